"""Plausible wrong answers for the write-along cells, used by tests/test_write_along.py.

WRONG[grade_id of the answer cell] is a list of wrong solution bodies. Each replaces the
lines between `### BEGIN SOLUTION` and `### END SOLUTION` of that answer cell, written
without indentation (the harness indents them like the markers). The check cell after it
must raise WrongAnswer, with a "Hint:", for every one of them.

Add entries under your notebook's heading, one statement each:

    WRONG["01-mutual-information-answer"] = [
        "return np.sum(joint * np.log(joint))",   # forgot the marginals
    ]
"""

WRONG: dict[str, list[str]] = {}

# --- 01 -------------------------------------------------------------------------------

WRONG["01-mutual-information-answer"] = [
    # no mask: 0 ln 0 gives NaN on the table with pairs that never occur
    """p_c = joint.sum(axis=1, keepdims=True)
p_x = joint.sum(axis=0, keepdims=True)
return np.sum(joint * np.log(joint / (p_c * p_x)))""",
    # the logs are not weighted by p(c, x)
    """p_c = joint.sum(axis=1, keepdims=True)
p_x = joint.sum(axis=0, keepdims=True)
occurs = joint > 0
return np.sum(np.log(joint[occurs] / (p_c * p_x)[occurs]))""",
    # bits instead of nats
    """p_c = joint.sum(axis=1, keepdims=True)
p_x = joint.sum(axis=0, keepdims=True)
occurs = joint > 0
return np.sum(joint[occurs] * np.log2(joint[occurs] / (p_c * p_x)[occurs]))""",
]
WRONG["01-variational-lower-bound-answer"] = [
    # H(c) minus the expected log instead of plus
    """p_c = joint.sum(axis=1)
h_c = -np.sum(p_c * np.log(p_c))
occurs = joint > 0
return h_c - np.sum(joint[occurs] * np.log(q[occurs]))""",
    # forgot H(c): the expected log-likelihood alone
    """occurs = joint > 0
return np.sum(joint[occurs] * np.log(q[occurs]))""",
    # an unweighted mean of ln Q over the table
    """p_c = joint.sum(axis=1)
return -np.sum(p_c * np.log(p_c)) + np.mean(np.log(q))""",
]
WRONG["01-categorical-code-loss-answer"] = [
    # a sum over the batch instead of a mean
    """logits = logits - logits.max(axis=-1, keepdims=True)
log_q = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
return -np.sum(log_q[np.arange(len(category)), category])""",
    # forgot the minus sign: the mean log-likelihood, not the loss
    """logits = logits - logits.max(axis=-1, keepdims=True)
log_q = logits - np.log(np.exp(logits).sum(axis=-1, keepdims=True))
return np.mean(log_q[np.arange(len(category)), category])""",
    # the log of the logits' own softmax skipped: minus the mean raw logit
    """return -np.mean(logits[np.arange(len(category)), category])""",
]
WRONG["01-gaussian-code-loss-answer"] = [
    # a mean over the codes too, instead of their sum
    """nll = 0.5 * np.log(2 * np.pi) + 0.5 * (code - mean) ** 2
return np.mean(nll)""",
    # the whole squared error, not half of it
    """nll = 0.5 * np.log(2 * np.pi) + (code - mean) ** 2
return np.mean(np.sum(nll, axis=-1))""",
    # the constant 1/2 ln 2 pi left out
    """return np.mean(np.sum(0.5 * (code - mean) ** 2, axis=-1))""",
]


# --- 02 -------------------------------------------------------------------------------

_GENERATOR_02 = '''
z = keras.Input((latent_dim,), name="latent")
x = layers.Dense(1024, name="fc1")(z)
x = layers.BatchNormalization(**BN, name="fc1_bn")(x)
x = layers.ReLU(name="fc1_relu")(x)
x = layers.Dense(7 * 7 * 128, name="fc2")(x)
x = layers.BatchNormalization(**BN, name="fc2_bn")(x)
x = layers.ReLU(name="fc2_relu")(x)
x = layers.Reshape((7, 7, 128), name="reshape")(x)
x = layers.Conv2DTranspose(64, 4, strides=2, padding="same", name="upconv1")(x)
x = layers.BatchNormalization(**BN, name="upconv1_bn")(x)
x = layers.ReLU(name="upconv1_relu")(x)
x = layers.Conv2DTranspose(1, 4, strides=2, padding="same", name="upconv2")(x)
image = layers.Activation("sigmoid", name="image")(x)
return keras.Model(z, image, name="my_generator")
'''
WRONG["02-generator-answer"] = [
    # no batch norm after fc2
    _GENERATOR_02.replace('x = layers.BatchNormalization(**BN, name="fc2_bn")(x)\n', ""),
    # tanh at the end, as in DCGAN, where the package's images lie in [0, 1]
    _GENERATOR_02.replace('Activation("sigmoid"', 'Activation("tanh"'),
    # the first upconv keeps 7 x 7: images come out 14 x 14
    _GENERATOR_02.replace("Conv2DTranspose(64, 4, strides=2", "Conv2DTranspose(64, 4, strides=1"),
    # the ReLU inside the dense layer, before its batch norm
    _GENERATOR_02.replace('Dense(1024, name="fc1")', 'Dense(1024, activation="relu", name="fc1")'),
]
WRONG["02-discriminator-loss-answer"] = [
    # real and fake the wrong way round
    "return ops.mean(ops.softplus(real_logits)) + ops.mean(ops.softplus(-fake_logits))",
    # sums instead of means
    "return ops.sum(ops.softplus(-real_logits)) + ops.sum(ops.softplus(fake_logits))",
    # the textbook formula, infinite on logits of -200 / +200
    "return (-ops.mean(ops.log(ops.sigmoid(real_logits)))\n"
    "        - ops.mean(ops.log(1.0 - ops.sigmoid(fake_logits))))",
]
WRONG["02-generator-loss-answer"] = [
    # the saturating loss log(1 - D)
    "return -ops.mean(ops.softplus(fake_logits))",
    # D's fake term -log(1 - D)
    "return ops.mean(ops.softplus(fake_logits))",
    # -log(sigmoid): infinite at a logit of -200
    "return -ops.mean(ops.log(ops.sigmoid(fake_logits)))",
]
_INFORMATION_02 = '''
log_q = ops.log_softmax(q_outputs["cat_logits"], axis=-1)
picked = ops.take_along_axis(log_q, ops.cast(category, "int32")[:, None], axis=-1)
info_cat = -ops.mean(picked)
nll = 0.5 * math.log(2 * math.pi) + 0.5 * ops.square(continuous - q_outputs["cont_mean"])
info_cont = ops.mean(ops.sum(nll, axis=-1))
return {"info_cat": info_cat, "info_cont": info_cont,
        "info": lambda_cat * info_cat + lambda_cont * info_cont}
'''
WRONG["02-information-loss-answer"] = [
    # the Gaussian NLL averaged over the codes instead of summed
    _INFORMATION_02.replace("ops.mean(ops.sum(nll, axis=-1))", "ops.mean(nll)"),
    # the constant 0.5 ln 2 pi left out
    _INFORMATION_02.replace("0.5 * math.log(2 * math.pi) + ", ""),
    # the two lambdas swapped
    _INFORMATION_02.replace("lambda_cat * info_cat + lambda_cont * info_cont",
                            "lambda_cont * info_cat + lambda_cat * info_cont"),
    # the log-likelihood instead of its negative
    _INFORMATION_02.replace("info_cat = -ops.mean(picked)", "info_cat = ops.mean(picked)"),
]

# --- 03 -------------------------------------------------------------------------------

_03_STEP = """\
c = self.config
c1, c_cont, z = self.sample_codes(tf.shape(real)[0])                  # step 1
latent = tf.concat([z, tf.one_hot(c1, c.num_categories), c_cont], axis=-1)
with tf.GradientTape(persistent=True) as tape:
    fake = self.generator(latent, training=True)                      # step 2
    real_logits, _ = self.discriminate(real)                          # step 3
    fake_logits, q = self.discriminate(fake)
    cat_nll = categorical_code_loss(c1, q["cat_logits"])              # step 4
    cont_nll = gaussian_code_loss(c_cont, q["cont_mean"])
    info = information_loss(cat_nll, cont_nll, c.lambda_cat, c.lambda_cont)
    d_loss = discriminator_loss(real_logits, fake_logits)
    g_loss = generator_loss(fake_logits)
    d_total, g_total = d_loss + info, g_loss + info
d_vars = (self.trunk.trainable_variables + self.d_head.trainable_variables
          + self.q_head.trainable_variables)
g_vars = self.generator.trainable_variables
self.d_optimizer.apply_gradients(zip(tape.gradient(d_total, d_vars), d_vars))  # 5
self.g_optimizer.apply_gradients(zip(tape.gradient(g_total, g_vars), g_vars))  # 6
return {"d_loss": d_loss, "g_loss": g_loss, "info_cat": cat_nll,          # step 7
        "info_cont": cont_nll, "mi_lower_bound": math.log(c.num_categories) - cat_nll}
"""  # the solution of MyInfoGAN.train_step; each wrong answer below changes one thing

WRONG["03-train-step-answer"] = [
    # the info term missing from D's side: the trunk and Q's head never learn to read c
    _03_STEP.replace("d_total, g_total = d_loss + info, g_loss + info",
                     "d_total, g_total = d_loss, g_loss + info"),
    # G's loss saturating: log(1 - D(G(z))) instead of the non-saturating -log D(G(z))
    _03_STEP.replace("g_loss = generator_loss(fake_logits)",
                     "g_loss = tf.reduce_mean(tf.math.log_sigmoid(-fake_logits))"),
    # a tape that is not persistent cannot give the second gradient (G's)
    _03_STEP.replace("tf.GradientTape(persistent=True)", "tf.GradientTape()"),
]

# --- 04 -------------------------------------------------------------------------------

WRONG["04-effect-answer"] = [
    # not divided by the SD of the real digits: the change in pixels (per row)
    """start = model.spec.sample(num_sweeps, seed)
categories = (np.arange(num_sweeps) % model.spec.num_categories).astype("int32")
ends = []
for value in (-1.0, 1.0):
    continuous = start.continuous.copy()
    continuous[:, code_index] = value
    ends.append(measure(model.generate(LatentSample(categories, continuous, start.noise))))
return float(np.median(ends[1] - ends[0]))""",
    # new random codes (noise, other code) for each end: the sweep changes more than one code
    """categories = (np.arange(num_sweeps) % model.spec.num_categories).astype("int32")
ends = []
for i, value in enumerate((-1.0, 1.0)):
    start = model.spec.sample(num_sweeps, seed + i)
    continuous = start.continuous.copy()
    continuous[:, code_index] = value
    ends.append(measure(model.generate(LatentSample(categories, continuous, start.noise))))
return float(np.median(ends[1] - ends[0]) / np.std(measure(real_images)))""",
    # the mean over the sweeps instead of the median
    """start = model.spec.sample(num_sweeps, seed)
categories = (np.arange(num_sweeps) % model.spec.num_categories).astype("int32")
ends = []
for value in (-1.0, 1.0):
    continuous = start.continuous.copy()
    continuous[:, code_index] = value
    ends.append(measure(model.generate(LatentSample(categories, continuous, start.noise))))
return float(np.mean(ends[1] - ends[0]) / np.std(measure(real_images)))""",
]

# --- 06 -------------------------------------------------------------------------------

_CR_SIDES = '''features = []
for side in (0, 1):
    latent = model.compose(pairs["category"][side], pairs["continuous"][side],
                           pairs["noise"][side])
    features.append(model.trunk(model.generator(latent, training=False), training=False))
logits = model.cr_head(tf.concat(features, axis=-1), training=False)
'''
WRONG["06-contrastive-loss-answer"] = [
    # the label of the code that changes, not of the code the pair shares
    _CR_SIDES + '''return tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=1 - pairs["shared"], logits=logits))''',
    # a sum over the pairs instead of a mean
    _CR_SIDES + '''return tf.reduce_sum(tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=pairs["shared"], logits=logits))''',
    # one loss per pair, never averaged
    _CR_SIDES + '''return tf.nn.sparse_softmax_cross_entropy_with_logits(
    labels=pairs["shared"], logits=logits)''',
]
WRONG["06-centrality-answer"] = [
    # the diagonal (each model's score on its own test) kept in the mean
    """return np.asarray(similarity, float).mean(axis=1)""",
    # the diagonal left out, but divided by n instead of n - 1
    """s = np.asarray(similarity, float)
return (s.sum(axis=1) - np.diag(s)) / len(s)""",
]
