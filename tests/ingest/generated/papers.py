"""The ground truth: real papers with their authors split into given and family names.

Three sources, none of them read by the reader under test: the arXiv sample and the hand-written list of
`bench.citations.papers` (CSL items with `given`/`family`), and well-known machine-learning papers written
down here (particles, hyphens, apostrophes, non-ASCII letters, initials, long lists). A paper whose author
has no given name (a mononym, a collaboration) is left out: its display form is not a person's "First Last".
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

from bench.citations.papers import Item, arxiv_items, handwritten_items


@dataclass(frozen=True)
class Person:
    given: str
    family: str

    @property
    def display(self) -> str:
        """"First Last", the form the reader stores."""
        return f"{self.given} {self.family}"

    @property
    def inverted(self) -> str:
        """"Last, First", as BibTeX and reference lists write it."""
        return f"{self.family}, {self.given}"

    @property
    def initialled(self) -> str:
        """"A. N. Gomez", "C.-H. Chang": each given name cut to its initial, the family name whole."""
        parts = [".-".join(p[0] for p in word.split("-") if p) + "." for word in self.given.split()]
        return " ".join([*parts, self.family])


@dataclass(frozen=True)
class Paper:
    title: str
    people: tuple[Person, ...]


ML_PAPERS = [
    ("ImageNet Classification with Deep Convolutional Neural Networks",
     "Alex|Krizhevsky; Ilya|Sutskever; Geoffrey E.|Hinton"),
    ("Sequence to Sequence Learning with Neural Networks", "Ilya|Sutskever; Oriol|Vinyals; Quoc V.|Le"),
    ("Neural Machine Translation by Jointly Learning to Align and Translate",
     "Dzmitry|Bahdanau; Kyunghyun|Cho; Yoshua|Bengio"),
    ("Playing Atari with Deep Reinforcement Learning",
     "Volodymyr|Mnih; Koray|Kavukcuoglu; David|Silver; Alex|Graves; Ioannis|Antonoglou; Daan|Wierstra; "
     "Martin|Riedmiller"),
    ("U-Net: Convolutional Networks for Biomedical Image Segmentation",
     "Olaf|Ronneberger; Philipp|Fischer; Thomas|Brox"),
    ("Visualizing Data using t-SNE", "Laurens|van der Maaten; Geoffrey|Hinton"),
    ("Wasserstein GAN", "Martin|Arjovsky; Soumith|Chintala; Léon|Bottou"),
    ("Deep Unsupervised Learning using Nonequilibrium Thermodynamics",
     "Jascha|Sohl-Dickstein; Eric A.|Weiss; Niru|Maheswaranathan; Surya|Ganguli"),
    ("Denoising Diffusion Probabilistic Models", "Jonathan|Ho; Ajay|Jain; Pieter|Abbeel"),
    ("Proximal Policy Optimization Algorithms",
     "John|Schulman; Filip|Wolski; Prafulla|Dhariwal; Alec|Radford; Oleg|Klimov"),
    ("Semi-Supervised Classification with Graph Convolutional Networks", "Thomas N.|Kipf; Max|Welling"),
    ("Momentum Contrast for Unsupervised Visual Representation Learning",
     "Kaiming|He; Haoqi|Fan; Yuxin|Wu; Saining|Xie; Ross|Girshick"),
    ("A Simple Framework for Contrastive Learning of Visual Representations",
     "Ting|Chen; Simon|Kornblith; Mohammad|Norouzi; Geoffrey|Hinton"),
    ("Pixel Recurrent Neural Networks", "Aäron|van den Oord; Nal|Kalchbrenner; Koray|Kavukcuoglu"),
    ("Deep contextualized word representations",
     "Matthew E.|Peters; Mark|Neumann; Mohit|Iyyer; Matt|Gardner; Christopher|Clark; Kenton|Lee; Luke|Zettlemoyer"),
    ("GloVe: Global Vectors for Word Representation",
     "Jeffrey|Pennington; Richard|Socher; Christopher D.|Manning"),
    ("XGBoost: A Scalable Tree Boosting System", "Tianqi|Chen; Carlos|Guestrin"),
    ("mixup: Beyond Empirical Risk Minimization",
     "Hongyi|Zhang; Moustapha|Cisse; Yann N.|Dauphin; David|Lopez-Paz"),
    ("Layer Normalization", "Jimmy Lei|Ba; Jamie Ryan|Kiros; Geoffrey E.|Hinton"),
    ("Spectral Normalization for Generative Adversarial Networks",
     "Takeru|Miyato; Toshiki|Kataoka; Masanori|Koyama; Yuichi|Yoshida"),
    ("Conditional Image Synthesis with Auxiliary Classifier GANs",
     "Augustus|Odena; Christopher|Olah; Jonathon|Shlens"),
    ("Distilling the Knowledge in a Neural Network", "Geoffrey|Hinton; Oriol|Vinyals; Jeff|Dean"),
    ("Very Deep Convolutional Networks for Large-Scale Image Recognition", "Karen|Simonyan; Andrew|Zisserman"),
    ("The Lottery Ticket Hypothesis: Finding Sparse, Trainable Neural Networks", "Jonathan|Frankle; Michael|Carbin"),
    ("EfficientNet: Rethinking Model Scaling for Convolutional Neural Networks", "Mingxing|Tan; Quoc V.|Le"),
    ("Neural Ordinary Differential Equations",
     "Ricky T. Q.|Chen; Yulia|Rubanova; Jesse|Bettencourt; David|Duvenaud"),
    ("Model-Agnostic Meta-Learning for Fast Adaptation of Deep Networks",
     "Chelsea|Finn; Pieter|Abbeel; Sergey|Levine"),
    ("Soft Actor-Critic: Off-Policy Maximum Entropy Deep Reinforcement Learning with a Stochastic Actor",
     "Tuomas|Haarnoja; Aurick|Zhou; Pieter|Abbeel; Sergey|Levine"),
    ("Chain-of-Thought Prompting Elicits Reasoning in Large Language Models",
     "Jason|Wei; Xuezhi|Wang; Dale|Schuurmans; Maarten|Bosma; Brian|Ichter; Fei|Xia; Ed|Chi; Quoc|Le; Denny|Zhou"),
    ("LoRA: Low-Rank Adaptation of Large Language Models",
     "Edward J.|Hu; Yelong|Shen; Phillip|Wallis; Zeyuan|Allen-Zhu; Yuanzhi|Li; Shean|Wang; Lu|Wang; Weizhu|Chen"),
    ("Mastering Chess and Shogi by Self-Play with a General Reinforcement Learning Algorithm",
     "David|Silver; Thomas|Hubert; Julian|Schrittwieser; Ioannis|Antonoglou"),
    ("XLNet: Generalized Autoregressive Pretraining for Language Understanding",
     "Zhilin|Yang; Zihang|Dai; Yiming|Yang; Jaime|Carbonell; Ruslan|Salakhutdinov; Quoc V.|Le"),
    ("Gradient-Based Learning Applied to Document Recognition",
     "Yann|LeCun; Léon|Bottou; Yoshua|Bengio; Patrick|Haffner"),
    ("High-Resolution Image Synthesis with Latent Diffusion Models",
     "Robin|Rombach; Andreas|Blattmann; Dominik|Lorenz; Patrick|Esser; Björn|Ommer"),
    ("Masked Autoencoders Are Scalable Vision Learners",
     "Kaiming|He; Xinlei|Chen; Saining|Xie; Yanghao|Li; Piotr|Dollár; Ross|Girshick"),
    ("A Style-Based Generator Architecture for Generative Adversarial Networks",
     "Tero|Karras; Samuli|Laine; Timo|Aila"),
    ("NeRF: Representing Scenes as Neural Radiance Fields for View Synthesis",
     "Ben|Mildenhall; Pratul P.|Srinivasan; Matthew|Tancik; Jonathan T.|Barron; Ravi|Ramamoorthi; Ren|Ng"),
    ("Learning Transferable Visual Models From Natural Language Supervision",
     "Alec|Radford; Jong Wook|Kim; Chris|Hallacy; Aditya|Ramesh; Gabriel|Goh; Sandhini|Agarwal"),
    ("WaveNet: A Generative Model for Raw Audio",
     "Aäron|van den Oord; Sander|Dieleman; Heiga|Zen; Karen|Simonyan; Oriol|Vinyals"),
    ("Human-level control through deep reinforcement learning",
     "Volodymyr|Mnih; Koray|Kavukcuoglu; David|Silver; Andrei A.|Rusu; Joel|Veness; Marc G.|Bellemare"),
    ("Unsupervised Representation Learning with Deep Convolutional Generative Adversarial Networks",
     "Alec|Radford; Luke|Metz; Soumith|Chintala"),
    ("Graph Attention Networks",
     "Petar|Veličković; Guillem|Cucurull; Arantxa|Casanova; Adriana|Romero; Pietro|Liò; Yoshua|Bengio"),
    ("Deep Q-Learning from Demonstrations",
     "Todd|Hester; Matej|Večerík; Olivier|Pietquin; Marc|Lanctot; Tom|Schaul; Bilal|Piot"),
    ("Training language models to follow instructions with human feedback",
     "Long|Ouyang; Jeff|Wu; Xu|Jiang; Diogo|Almeida; Carroll L.|Wainwright; Pamela|Mishkin"),
    ("An Empirical Evaluation of Generic Convolutional and Recurrent Networks for Sequence Modeling",
     "Shaojie|Bai; J. Zico|Kolter; Vladlen|Koltun"),
    ("Neural Discrete Representation Learning", "Aäron|van den Oord; Oriol|Vinyals; Koray|Kavukcuoglu"),
]


def _split(names: str) -> tuple[Person, ...]:
    return tuple(Person(*pair.split("|")) for pair in names.split("; "))


def _given(text: str) -> str:
    """arXiv's "C. -P." is the hyphenated initials "C.-P." as a note writes them."""
    return " ".join(text.replace(". -", ".-").split())


def _from_item(item: Item) -> Paper | None:
    people = [Person(_given(p.get("given", "")), p["family"]) for p in item["author"]]
    if not people or any(not p.given or not p.family for p in people):
        return None
    return Paper(" ".join(item["title"].split()), tuple(people))


@cache
def all_papers() -> tuple[Paper, ...]:
    """Every paper of the ground truth, in a fixed order: the hand-written ones, then the arXiv sample."""
    mine = [Paper(title, _split(names)) for title, names in ML_PAPERS]
    items = [p for item in [*handwritten_items(), *arxiv_items()] if (p := _from_item(item)) is not None]
    seen: set[str] = set()
    unique = []
    for paper in [*mine, *items]:
        if paper.title.casefold() not in seen:
            seen.add(paper.title.casefold())
            unique.append(paper)
    return tuple(unique)
