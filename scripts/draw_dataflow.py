"""Draw the data flow of InfoGAN and which loss updates which network.

    python scripts/draw_dataflow.py [--out docs/images/infogan_dataflow.png]

Boxes and arrows only (matplotlib, no model is built): the noise z and the codes c go
into the generator G; G's images and real MNIST images go through the shared trunk; the
trunk's features feed D's head (real or fake?) and Q's head (which code made it?).
Two shaded regions show the two optimisers: L_D + lambda * info updates the trunk, D's
head and Q's head; L_G + lambda * info updates G. Notebook 02 shows the figure.
"""

from __future__ import annotations

import argparse
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

D_SIDE = "#f6d5b0"  # trunk, D head, Q head: one Adam (lr 2e-4)
G_SIDE = "#c7dcf2"  # generator: its own Adam (lr 1e-3)
DATA = "#eeeeee"
LOSS = "#fff6c4"


def draw(path: Path) -> None:
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt
    from matplotlib.patches import FancyArrowPatch, FancyBboxPatch

    fig, ax = plt.subplots(figsize=(13.4, 7.2))
    ax.set(xlim=(0, 13.4), ylim=(0, 7.2))
    ax.axis("off")

    def box(x, y, w, h, text, color, size=10.5, weight="normal"):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.04,rounding_size=0.12",
                                    fc=color, ec="black", lw=1.2, zorder=2))
        ax.text(x + w / 2, y + h / 2, text, ha="center", va="center", fontsize=size,
                weight=weight, zorder=3, linespacing=1.35)
        return dict(l=(x, y + h / 2), r=(x + w, y + h / 2), t=(x + w / 2, y + h),
                    b=(x + w / 2, y))

    def arrow(a, b, style="-|>", ls="-", color="black", rad=0.0, text=None, dx=0, dy=0.15):
        ax.add_patch(FancyArrowPatch(a, b, arrowstyle=style, mutation_scale=16, lw=1.4,
                                     ls=ls, color=color, zorder=1,
                                     connectionstyle=f"arc3,rad={rad}"))
        if text:
            ax.text((a[0] + b[0]) / 2 + dx, (a[1] + b[1]) / 2 + dy, text, ha="center",
                    va="bottom", fontsize=9, color=color, zorder=3)

    def region(x, y, w, h, color, label, label_y):
        ax.add_patch(FancyBboxPatch((x, y), w, h, boxstyle="round,pad=0.02,rounding_size=0.2",
                                    fc=color, ec="none", alpha=0.55, zorder=0))
        ax.text(x + w / 2, label_y, label, ha="center", va="center", fontsize=10,
                weight="bold", zorder=3)

    # The two groups of weights and the loss that updates each.
    region(0.15, 3.0, 3.6, 3.1, G_SIDE,
           "updated by  L_G + λ·info\n(G's Adam, lr 1e-3)", 3.45)
    region(5.05, 0.95, 5.0, 5.15, D_SIDE,
           "updated by  L_D + λ·info\n(D's Adam, lr 2e-4)", 5.7)

    z = box(0.3, 6.3, 1.65, 0.7, "noise z\n~ U(-1, 1)^62", DATA, size=9.5)
    c = box(2.1, 6.3, 3.1, 0.7, "codes c:  c1 ~ Cat(10)\nc2, c3 ~ U(-1, 1)", DATA, size=9.5)
    g = box(0.6, 4.05, 2.7, 1.2, "generator G\nFC 1024, FC 7·7·128,\n2 up-convs", "white",
            weight="bold", size=10)
    fake = box(3.95, 4.25, 1.35, 0.8, "fake image\nG(z, c)", DATA, size=9.5)
    real = box(0.6, 1.5, 2.7, 0.8, "real image x\n(MNIST)", DATA, size=9.5)
    trunk = box(5.6, 2.45, 2.1, 2.0, "shared trunk\n2 convs,\nFC 1024\n→ 1024 features",
                "white", weight="bold", size=10)
    dh = box(8.2, 3.75, 1.6, 1.0, "D head\nFC 1 → logit", "white", weight="bold", size=10)
    qh = box(8.2, 1.25, 1.6, 1.5, "Q head\nFC 128,\nFC 10 logits\n+ FC 2 means", "white",
             weight="bold", size=9.5)
    gan_loss = box(10.55, 3.55, 2.3, 1.4,
                   "GAN terms\nL_D: real → 1, fake → 0\nL_G: fake → 1\n(non-saturating)",
                   LOSS, size=9.5)
    info = box(10.55, 0.85, 2.3, 2.3,
               "info = λ_cat · CE(c1)\n+ λ_cont · NLL(c2, c3)\n\ncross-entropy and\n"
               "Gaussian NLL of the\ncodes that made\nthe fake", LOSS, size=9.5)

    arrow(z["b"], (1.3, g["t"][1]))
    arrow(c["b"], (2.6, g["t"][1]), rad=0.0)
    arrow(g["r"], fake["l"])
    arrow(fake["b"], (trunk["l"][0], 3.75), rad=0.25)
    arrow(real["r"], (trunk["l"][0], 2.9), rad=0.0)
    ax.text(trunk["b"][0], 2.1, "real and fake images\ngo through the same trunk",
            ha="center", va="center", fontsize=9)
    arrow(trunk["r"], dh["l"], rad=-0.15)
    arrow(trunk["r"], qh["l"], rad=0.15)
    arrow(dh["r"], gan_loss["l"])
    arrow(qh["r"], (info["l"][0], 2.0))
    # The true codes are the targets of Q's likelihood: a dashed line around the right.
    x_edge = 13.15
    ax.plot([c["r"][0], x_edge, x_edge], [c["r"][1], c["r"][1], 2.0], ls="--",
            color="dimgray", lw=1.3, zorder=1)
    arrow((x_edge, 2.0), info["r"], ls="--", color="dimgray")
    ax.text(9.0, c["r"][1] + 0.12, "the true codes c: the targets Q must recover",
            fontsize=9, color="dimgray", ha="center", va="bottom")

    ax.text(6.5, 0.3,
            "Q's head sits inside the orange region: L_D does not reach it, so it learns "
            "from λ·info alone; the trunk learns from both.\n"
            "G's loss flows back to G through the heads and the trunk, but G's step moves "
            "only G's weights.",
            ha="center", va="center", fontsize=9.5, style="italic")
    ax.set_title("InfoGAN's data flow, and which loss updates which weights",
                 fontsize=13, weight="bold")
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=120, bbox_inches="tight")
    plt.close(fig)


def main() -> int:
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--out", default=str(ROOT / "docs" / "images" / "infogan_dataflow.png"))
    args = p.parse_args()
    draw(Path(args.out))
    print(f"wrote {args.out}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
