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

# --- 02 -------------------------------------------------------------------------------

# --- 03 -------------------------------------------------------------------------------

# --- 04 -------------------------------------------------------------------------------

# --- 06 -------------------------------------------------------------------------------
