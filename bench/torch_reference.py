#!/usr/bin/env python3
"""Eager-PyTorch reference of s2s's model and training step, for side-by-side speed runs.

Run it with the venv's interpreter (~/.cache/s2s/venv/bin/python) so that it uses the very
LibTorch build s2s links. It builds the network of model/ (Bahdanau, Cho and Bengio 2015, as
model/README.md writes it down), times training steps on synthetic batches and prints target
tokens/s, pairs/s, step times and peak memory: a table, or one JSON object with --json.

    torch_reference.py --vocab 8000 --embed 256 --hidden 512 --attention 512 \
        --batch 64 --src-len 30 --tgt-len 30 --threads 1 --steps 10 --warmup 3 --json
    torch_reference.py --self-check          # correctness checks; exit status 1 on a failure

THE MODEL (same as model/*.cpp for the same options; defaults are s2s's ModelOptions)
    encoder   embedding (V, E), pad row 0; bidirectional GRU (or LSTM) stack of H per
              direction, run on pack_padded_sequence(enforce_sorted=False) so that each
              direction sees only real tokens; pad_packed_sequence back to the batch's T_src.
              Annotations h_j = [h_j^fwd ; h_j^bwd] (2H), zero at padding.
    keys      U h_j + b_U, (B, T_src, A), once per batch.
    init      s_0 = tanh(W_s h_1^bwd + b_s), one Linear H -> L*D for all L decoder layers
              (LSTM memory cells start at zero).
    step t    e_tj = v^T tanh(W s_{t-1}^top + U h_j), -inf at padded j, alpha = softmax_j,
              c_t = sum_j alpha_tj h_j (bmm); s_t = cells([E y_{t-1} ; c_t], s_{t-1}) with
              GRUCell/LSTMCell, layer 0 input E + 2H, dropout between stacked cells only.
    readout   one Linear over [s_t^top ; E y_{t-1} ; c_t] (columns in that order) to 2R
              (maxout over adjacent pairs) or R (tanh); run once over all B * T_tgt positions.
    output    dropout, Linear R -> V, once over all positions.
    loss      fairseq label smoothing, sum over non-pad targets:
              (1 - eps) * nll + eps / V * sum_v(-log p_v), computed by F.cross_entropy
              (label_smoothing=eps, ignore_index=<pad>, reduction='sum'): the same formula
              (--self-check compares it with the explicit one).
    dropout   (train mode) on source and target embeddings (the dropped target embedding
              also feeds the readout), between stacked encoder layers, between stacked decoder
              cells, and on the readout vector.
    init      PyTorch defaults, embeddings N(0, 1/E) with the pad row zero (as s2s).
Parameter names, order and shapes are s2s's (model/README.md "Parameter names"); the
count is param_count() below, checked against the module by --self-check.

THE TRAINING STEP (as trainer/TrainStep.cpp, one micro-batch, one rank)
    zero_grad; forward; loss_sum; (loss_sum / target_tokens).backward(); clip the global
    grad norm to --clip-norm (s2s train.clip_norm, default 5); Adam(lr, betas (0.9, 0.98),
    eps 1e-8) step. Differences from s2s, all outside the timed work that matters:
    - s2s backpropagates loss_sum and then scales each gradient by 1/tokens (same result);
    - s2s's learning rate follows its schedule (warm-up, inverse sqrt); here it is constant
      (--lr), which costs the same;
    - s2s checks the norm for finiteness on the host (one sync per update); clip_grad_norm_
      here does not sync;
    - Adam is torch.optim.Adam with its defaults (on CPU the per-tensor loop, on CUDA the
      foreach implementation), LibTorch's C++ Adam in s2s.
    - s2s checks id ranges and lengths on the host each forward (Seq2Seq::encode); the
      reference trusts its own synthetic batches;
    - initial weights and dropout masks follow the same distributions, not the same numbers
      (LibTorch's C++ modules and Python's draw in another order).
    Not supported here: tie_embeddings, gradient accumulation, more than one rank.

SYNTHETIC BATCHES (a spec: the C++ `s2s bench` draws exactly the same numbers)
    Random numbers come from one SplitMix64 stream (class SplitMix64), uint64 arithmetic
    modulo 2^64, state = --seed:
        next(): state += 0x9E3779B97F4A7C15; z = state;
                z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9; z = (z ^ (z >> 27)) * 0x94D049BB133111EB;
                return z ^ (z >> 31)                  (seed 0: first output 0xE220A8397B1DCDAF)
        uniform(lo, hi) = lo + next() % (hi - lo + 1)  (both ends included)
    The warm-up batches come first, then the timed ones, each batch drawn in this order:
      1. source lengths, rows 0..B-1: row 0 is S; rows 1.. are uniform(ceil(S/2), S);
         with --fixed-len every row is S and nothing is drawn;
      2. target lengths likewise with T;
      3. for each row i, ls_i - 1 source ids uniform(4, V-1) then </s> (3): ls_i tokens;
      4. for each row i, lt_i - 1 target ids y uniform(4, V-1):
         tgt_in = <s> (2), y_1..y_{lt-1};  tgt_out = y_1..y_{lt-1}, </s> (3).
    Everything is padded with <pad> (0) to (B, S) and (B, T): T_src = S and T_tgt = T in every
    batch because row 0 is the longest. --src-len S counts source tokens with </s>, --tgt-len
    T decoder steps (= target tokens with </s>). Target tokens of a batch = sum of lt_i: the
    loss's token count and the numerator of tokens/s. Ids 0..3 are <pad> <unk> <s> </s>.
    V >= 5 is needed (at least one ordinary id), S >= 1 and T >= 1.

TIMING
    --warmup untimed steps, then --steps timed ones; on CUDA the device is synchronised
    before each clock read. Per step: tokens/s = target tokens of its batch / its time,
    pairs/s = B / its time. Reported: the median (the upper one for an even count, as
    bench/BenchTiming.h) of the per-step rates with min and max,
    step times (median, min, max), the mean rate (all timed tokens / all timed time), the
    median CPU time of the process per step (on a shared machine, CPU time well below wall
    time means the run waited for a core), peak RSS of the process (ru_maxrss), on CUDA the
    peak allocated device memory.

FLOPS: flops_per_step() below and bench/FLOPS.md (the same formula, for the C++ side).

THE TWO CONFIGS OF ISSUE 16 (one thread; the model flags not given there are s2s's defaults:
D = 512, R = 256, maxout, dropout 0.1, unless passed)
    --vocab 64 --embed 128 --hidden 256 --attention 256 --batch 64 --src-len 10 --tgt-len 10
    --vocab 8000 --embed 256 --hidden 512 --attention 512 --batch 64 --src-len 30 --tgt-len 30
    The issue's reference numbers (5.2k-5.8k and 1.23k tokens/s) fit --readout tanh with a
    decoder as wide as the encoder (--decoder-hidden = --hidden: 256 and 512), not the default
    D = 512 for the small config: say D explicitly when comparing.
"""

import argparse
import json
import math
import platform
import resource
import sys
import time

try:
    import torch
    import torch.nn as nn
    import torch.nn.functional as F
    from torch.nn.utils.rnn import pack_padded_sequence, pad_packed_sequence
except ImportError as e:  # one clear line instead of a trace
    sys.exit(f"torch_reference.py: cannot import torch ({e}): run it with ~/.cache/s2s/venv/bin/python")

PAD, UNK, BOS, EOS = 0, 1, 2, 3  # model/TokenIds.h
FIRST_ORDINARY_ID = 4


# ----------------------------------------------------------------------------------------
# Options


class OneLineParser(argparse.ArgumentParser):
    """Bad flags give one line naming the flag, not the whole usage text."""

    def error(self, message):
        self.exit(2, f"{self.prog}: {message} (see --help)\n")


def parse_args(argv):
    p = OneLineParser(
        description="Times s2s's model in eager PyTorch on synthetic batches (see the header "
        "of this file for the model, the batch rule and the step).")
    m = p.add_argument_group("model (defaults: s2s ModelOptions)")
    m.add_argument("--vocab", type=int, default=64, help="source and target vocabulary size V")
    m.add_argument("--embed", type=int, default=256, help="embedding size E (model.embed_dim)")
    m.add_argument("--hidden", type=int, default=256,
                   help="encoder hidden size per direction H (model.encoder_hidden)")
    m.add_argument("--attention", type=int, default=256, help="attention size A (model.attention_dim)")
    m.add_argument("--decoder-hidden", type=int, default=512,
                   help="decoder hidden size D (model.decoder_hidden; s2s's default is 512, not 2H)")
    m.add_argument("--readout", choices=["maxout", "tanh"], default="maxout", help="model.readout")
    m.add_argument("--readout-dim", type=int, default=256, help="readout size R (model.readout_dim)")
    m.add_argument("--cell", choices=["gru", "lstm"], default="gru", help="model.cell")
    m.add_argument("--encoder-layers", type=int, default=1, help="model.encoder_layers")
    m.add_argument("--decoder-layers", type=int, default=1, help="model.decoder_layers")
    m.add_argument("--dropout", type=float, default=0.1, help="model.dropout")
    m.add_argument("--label-smoothing", type=float, default=0.1, help="model.label_smoothing")
    b = p.add_argument_group("batches")
    b.add_argument("--batch", type=int, default=64, help="pairs per batch B")
    b.add_argument("--src-len", type=int, default=10, help="longest source S (tokens with </s>)")
    b.add_argument("--tgt-len", type=int, default=10, help="longest target T (decoder steps)")
    b.add_argument("--fixed-len", action="store_true", help="every row has length S and T")
    b.add_argument("--seed", type=int, default=1, help="seed of batches and initial weights")
    r = p.add_argument_group("run")
    r.add_argument("--threads", type=int, default=1, help="intra-op threads (torch.set_num_threads)")
    r.add_argument("--steps", type=int, default=10, help="timed training steps")
    r.add_argument("--warmup", type=int, default=3, help="untimed steps before them")
    r.add_argument("--device", choices=["cpu", "cuda"], default="cpu")
    r.add_argument("--precision", choices=["fp32", "bf16"], default="fp32",
                   help="bf16: autocast of the forward to bfloat16, fp32 weights and loss")
    r.add_argument("--allow-tf32", choices=["true", "false"], default="true",
                   help="TF32 for float32 matmuls and cuDNN on CUDA (Ampere and later), as s2s's "
                        "train.allow_tf32 (default true there too; PyTorch's own default is off for "
                        "matmuls): the side-by-side compares the same arithmetic")
    r.add_argument("--lr", type=float, default=1e-3, help="Adam learning rate (constant)")
    r.add_argument("--clip-norm", type=float, default=5.0,
                   help="clip the global gradient norm (s2s train.clip_norm); 0: no clipping")
    r.add_argument("--peak-gflops", type=float, default=None,
                   help="GEMM peak of this machine in GFLOP/s: also print model FLOPs utilisation")
    r.add_argument("--json", action="store_true", help="print one JSON object instead of a table")
    r.add_argument("--self-check", action="store_true",
                   help="run the correctness checks (small model) instead of a benchmark")
    args = p.parse_args(argv)
    check_args(p, args)
    return args


def check_args(p, a):
    positive = ["vocab", "embed", "hidden", "attention", "decoder_hidden", "readout_dim",
                "encoder_layers", "decoder_layers", "batch", "src_len", "tgt_len", "threads",
                "steps"]
    for name in positive:
        if getattr(a, name) < 1:
            p.error(f"--{name.replace('_', '-')} is {getattr(a, name)}: it must be at least 1")
    if a.vocab <= FIRST_ORDINARY_ID:
        p.error(f"--vocab is {a.vocab}: it must exceed {FIRST_ORDINARY_ID} "
                "(ids 0..3 are <pad> <unk> <s> </s>)")
    if a.warmup < 0:
        p.error(f"--warmup is {a.warmup}: it must be at least 0")
    if a.seed < 0:
        p.error(f"--seed is {a.seed}: it must be at least 0")
    for name in ["dropout", "label_smoothing"]:
        if not 0.0 <= getattr(a, name) < 1.0:
            p.error(f"--{name.replace('_', '-')} is {getattr(a, name)}: it must lie in [0, 1)")
    if a.clip_norm < 0:
        p.error(f"--clip-norm is {a.clip_norm}: it must be at least 0 (0: no clipping)")
    if a.peak_gflops is not None and a.peak_gflops <= 0:
        p.error(f"--peak-gflops is {a.peak_gflops}: it must be positive")
    if a.device == "cuda" and not torch.cuda.is_available():
        p.error("--device cuda but torch sees no CUDA device: use --device cpu")
    torch.backends.cuda.matmul.allow_tf32 = a.allow_tf32 == "true"
    torch.backends.cudnn.allow_tf32 = a.allow_tf32 == "true"


# ----------------------------------------------------------------------------------------
# The model (names follow s2s's module tree so that parameter names match)


def embedding(vocab, dim):
    """nn.Embedding with s2s's init: N(0, 1/E), <pad> row zero and without gradient."""
    emb = nn.Embedding(vocab, dim, padding_idx=PAD)
    with torch.no_grad():
        emb.weight.normal_(0.0, 1.0 / math.sqrt(dim))
        emb.weight[PAD].zero_()
    return emb


class Encoder(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.dropout = o.dropout
        self.embedding = embedding(o.vocab, o.embed)
        rnn = nn.LSTM if o.cell == "lstm" else nn.GRU
        between = o.dropout if o.encoder_layers > 1 else 0.0  # LibTorch: between layers only
        self.rnn = rnn(o.embed, o.hidden, num_layers=o.encoder_layers, dropout=between,
                       bidirectional=True, batch_first=True)

    def forward(self, src, lengths_cpu):
        x = F.dropout(self.embedding(src), self.dropout, self.training)  # (B, S, E)
        packed = pack_padded_sequence(x, lengths_cpu, batch_first=True, enforce_sorted=False)
        out, _ = self.rnn(packed)
        annotations, _ = pad_packed_sequence(out, batch_first=True, total_length=src.size(1))
        return annotations  # (B, S, 2H), zero at padding


class BahdanauAttention(nn.Module):
    def __init__(self, query_dim, annotation_dim, attention_dim):
        super().__init__()
        self.W = nn.Linear(query_dim, attention_dim, bias=False)
        self.U = nn.Linear(annotation_dim, attention_dim)
        self.v = nn.Linear(attention_dim, 1, bias=False)

    def keys(self, annotations):
        return self.U(annotations)  # (B, S, A)

    def forward(self, query, keys, annotations, pad_mask):
        energies = self.v(torch.tanh(self.W(query).unsqueeze(1) + keys)).squeeze(-1)  # (B, S)
        energies = energies.masked_fill(pad_mask, float("-inf"))
        weights = torch.softmax(energies, -1)                                      # (B, S)
        context = torch.bmm(weights.unsqueeze(1), annotations).squeeze(1)          # (B, 2H)
        return context, weights


class Readout(nn.Module):
    def __init__(self, kind, state_dim, embed_dim, context_dim, readout_dim):
        super().__init__()
        self.maxout = kind == "maxout"
        self.readout_dim = readout_dim
        out = 2 * readout_dim if self.maxout else readout_dim
        self.linear = nn.Linear(state_dim + embed_dim + context_dim, out)

    def forward(self, state, embedded, context):
        pre = self.linear(torch.cat([state, embedded, context], -1))  # (..., 2R or R)
        if not self.maxout:
            return torch.tanh(pre)
        return pre.unflatten(-1, (self.readout_dim, 2)).amax(-1)     # adjacent pairs, (..., R)


class Decoder(nn.Module):
    def __init__(self, o):
        super().__init__()
        E, K, D, L = o.embed, 2 * o.hidden, o.decoder_hidden, o.decoder_layers
        self.lstm, self.layers, self.D, self.H = o.cell == "lstm", L, D, o.hidden
        self.dropout = o.dropout
        self.embedding = embedding(o.vocab, E)
        self.init_state = nn.Linear(o.hidden, L * D)
        self.attention = BahdanauAttention(D, K, o.attention)
        cell = nn.LSTMCell if self.lstm else nn.GRUCell
        self.cells = nn.ModuleList([cell(E + K if l == 0 else D, D) for l in range(L)])
        self.readout = Readout(o.readout, D, E, K, o.readout_dim)
        self.output = nn.Linear(o.readout_dim, o.vocab)

    def forward(self, annotations, keys, pad_mask, tgt_in):
        B, T = tgt_in.shape
        embedded = F.dropout(self.embedding(tgt_in), self.dropout, self.training)  # (B, T, E)
        first_backward = annotations[:, 0, self.H:]                                # (B, H)
        s0 = torch.tanh(self.init_state(first_backward)).view(B, self.layers, self.D)
        hidden = list(s0.unbind(1))                                               # L x (B, D)
        cell = [torch.zeros_like(h) for h in hidden] if self.lstm else None
        states, contexts = [], []
        for t in range(T):
            # The query is the top layer's s_{t-1}, before this step updates it.
            context, _ = self.attention(hidden[-1], keys, annotations, pad_mask)
            x = torch.cat([embedded[:, t], context], 1)                            # (B, E + 2H)
            for l, c in enumerate(self.cells):
                if self.lstm:
                    hidden[l], cell[l] = c(x, (hidden[l], cell[l]))
                else:
                    hidden[l] = c(x, hidden[l])
                x = hidden[l]
                if l + 1 < self.layers:
                    x = F.dropout(x, self.dropout, self.training)
            states.append(hidden[-1])
            contexts.append(context)
        # Only the recurrence is sequential: readout and output layer run once over B * T.
        features = self.readout(torch.stack(states, 1), embedded, torch.stack(contexts, 1))
        features = F.dropout(features, self.dropout, self.training)               # (B, T, R)
        return self.output(features)                                              # (B, T, V)


class Seq2Seq(nn.Module):
    def __init__(self, o):
        super().__init__()
        self.encoder = Encoder(o)
        self.decoder = Decoder(o)

    def forward(self, src, src_lengths_cpu, tgt_in):
        annotations = self.encoder(src, src_lengths_cpu)                 # (B, S, 2H)
        keys = self.decoder.attention.keys(annotations)                   # (B, S, A), once
        positions = torch.arange(src.size(1), device=src.device)
        pad_mask = positions.unsqueeze(0) >= src_lengths_cpu.to(src.device).unsqueeze(1)
        return self.decoder(annotations, keys, pad_mask, tgt_in)          # (B, T, V)


def label_smoothed_loss_sum(logits, tgt_out, eps):
    """Sum over non-pad targets of (1 - eps) * nll + eps / V * sum_v(-log p_v), in fp32."""
    V = logits.size(-1)
    if logits.dtype not in (torch.float32, torch.float64):
        logits = logits.float()  # half-precision log-softmax over V loses too much (as s2s)
    return F.cross_entropy(logits.reshape(-1, V), tgt_out.reshape(-1), ignore_index=PAD,
                           label_smoothing=eps, reduction="sum")


def expected_parameters(o):
    """s2s's parameter names and shapes in named_parameters() order (model/README.md)."""
    E, H, A, D, L, V = o.embed, o.hidden, o.attention, o.decoder_hidden, o.decoder_layers, o.vocab
    G = 4 if o.cell == "lstm" else 3
    R2 = 2 * o.readout_dim if o.readout == "maxout" else o.readout_dim
    out = [("encoder.embedding.weight", (V, E))]
    for n in range(o.encoder_layers):
        for d in ["", "_reverse"]:
            out += [(f"encoder.rnn.weight_ih_l{n}{d}", (G * H, E if n == 0 else 2 * H)),
                    (f"encoder.rnn.weight_hh_l{n}{d}", (G * H, H)),
                    (f"encoder.rnn.bias_ih_l{n}{d}", (G * H,)),
                    (f"encoder.rnn.bias_hh_l{n}{d}", (G * H,))]
    out += [("decoder.embedding.weight", (V, E)),
            ("decoder.init_state.weight", (L * D, H)), ("decoder.init_state.bias", (L * D,)),
            ("decoder.attention.W.weight", (A, D)), ("decoder.attention.U.weight", (A, 2 * H)),
            ("decoder.attention.U.bias", (A,)), ("decoder.attention.v.weight", (1, A))]
    for l in range(L):
        out += [(f"decoder.cells.{l}.weight_ih", (G * D, E + 2 * H if l == 0 else D)),
                (f"decoder.cells.{l}.weight_hh", (G * D, D)),
                (f"decoder.cells.{l}.bias_ih", (G * D,)), (f"decoder.cells.{l}.bias_hh", (G * D,))]
    out += [("decoder.readout.linear.weight", (R2, D + E + 2 * H)),
            ("decoder.readout.linear.bias", (R2,)),
            ("decoder.output.weight", (V, o.readout_dim)), ("decoder.output.bias", (V,))]
    return out


def param_count(o):
    """Number of parameters of s2s's model for these options (untied embeddings)."""
    return sum(math.prod(shape) for _, shape in expected_parameters(o))


# ----------------------------------------------------------------------------------------
# FLOPs (bench/FLOPS.md writes the same formula down for the C++ side)


def flops_per_step(o, batch, src_len, tgt_len, src_tokens):
    """Model FLOPs of one training step: 3 x the forward matmul FLOPs (backward = 2 x forward).

    A multiply-add counts 2. `src_len`/`tgt_len` are the padded T_src/T_tgt; `src_tokens` is
    the number of real source tokens (the packed encoder runs on those only); everything after
    the encoder runs on the padded rectangle, as both implementations compute it. Elementwise
    work (gates, tanh, softmax, log-softmax, loss, Adam) is not counted.
    Returns a dict of per-component training FLOPs and 'total'.
    """
    E, H, A, D, L, V = o.embed, o.hidden, o.attention, o.decoder_hidden, o.decoder_layers, o.vocab
    G = 4 if o.cell == "lstm" else 3
    R, R2 = o.readout_dim, (2 * o.readout_dim if o.readout == "maxout" else o.readout_dim)
    B, S, T, N = batch, src_len, tgt_len, src_tokens
    fwd = {}
    enc_in = sum(2 * N * 2 * G * H * (E if n == 0 else 2 * H) for n in range(o.encoder_layers))
    fwd["encoder_gru_input"] = enc_in                      # both directions
    fwd["encoder_gru_recurrent"] = o.encoder_layers * 2 * N * 2 * G * H * H
    fwd["init_state_Ws"] = 2 * B * H * L * D
    fwd["attention_keys_Uh"] = 2 * B * S * 2 * H * A       # once per batch
    fwd["attention_query_Ws"] = T * 2 * B * D * A          # per step
    fwd["attention_energy_v"] = T * 2 * B * S * A          # v^T tanh(.)
    fwd["attention_context"] = T * 2 * B * S * 2 * H       # sum_j alpha_tj h_j
    fwd["decoder_cell_input"] = T * sum(2 * B * G * D * (E + 2 * H if l == 0 else D)
                                        for l in range(L))
    fwd["decoder_cell_recurrent"] = T * L * 2 * B * G * D * D
    fwd["readout"] = 2 * B * T * (D + E + 2 * H) * R2
    fwd["output"] = 2 * B * T * R * V
    train = {k: 3 * v for k, v in fwd.items()}
    train["total"] = sum(train.values())
    return train


# ----------------------------------------------------------------------------------------
# Synthetic batches (the spec is in the file header)

MASK64 = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK64

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK64
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK64
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK64
        return z ^ (z >> 31)

    def uniform(self, lo, hi):
        return lo + self.next() % (hi - lo + 1)


def draw_lengths(rng, rows, longest, fixed):
    if fixed:
        return [longest] * rows
    lo = (longest + 1) // 2  # ceil(longest / 2)
    return [longest] + [rng.uniform(lo, longest) for _ in range(rows - 1)]


def draw_batch(rng, o):
    """One batch as host lists: src, src_lengths, tgt_in, tgt_out, target token count."""
    B, S, T, V = o.batch, o.src_len, o.tgt_len, o.vocab
    src_len = draw_lengths(rng, B, S, o.fixed_len)
    tgt_len = draw_lengths(rng, B, T, o.fixed_len)
    src = []
    for n in src_len:
        row = [rng.uniform(FIRST_ORDINARY_ID, V - 1) for _ in range(n - 1)] + [EOS]
        src.append(row + [PAD] * (S - n))
    tgt_in, tgt_out = [], []
    for n in tgt_len:
        y = [rng.uniform(FIRST_ORDINARY_ID, V - 1) for _ in range(n - 1)]
        tgt_in.append([BOS] + y + [PAD] * (T - n))
        tgt_out.append(y + [EOS] + [PAD] * (T - n))
    return src, src_len, tgt_in, tgt_out, sum(tgt_len)


def make_batches(o, count, device):
    """`count` batches as tensors on `device` (lengths stay on the CPU, as packing wants)."""
    rng = SplitMix64(o.seed)
    out = []
    for _ in range(count):
        src, src_len, tgt_in, tgt_out, tokens = draw_batch(rng, o)
        out.append({
            "src": torch.tensor(src, dtype=torch.long, device=device),              # (B, S)
            "src_lengths": torch.tensor(src_len, dtype=torch.long),                 # (B) CPU
            "tgt_in": torch.tensor(tgt_in, dtype=torch.long, device=device),        # (B, T)
            "tgt_out": torch.tensor(tgt_out, dtype=torch.long, device=device),      # (B, T)
            "src_tokens": sum(src_len),
            "tgt_tokens": tokens,
        })
    return out


# ----------------------------------------------------------------------------------------
# Training step and benchmark


class Trainer:
    def __init__(self, o, device):
        torch.manual_seed(o.seed)
        self.o = o
        self.device = torch.device(device)
        self.model = Seq2Seq(o).to(self.device)
        self.model.train()
        self.params = list(self.model.parameters())
        self.optimizer = torch.optim.Adam(self.params, lr=o.lr, betas=(0.9, 0.98), eps=1e-8)

    def step(self, batch):
        """One update; returns the loss per target token as a tensor (no host sync)."""
        self.optimizer.zero_grad(set_to_none=True)
        with torch.autocast(self.device.type, dtype=torch.bfloat16,
                            enabled=self.o.precision == "bf16"):
            logits = self.model(batch["src"], batch["src_lengths"], batch["tgt_in"])
        loss = label_smoothed_loss_sum(logits, batch["tgt_out"], self.o.label_smoothing)
        loss = loss / batch["tgt_tokens"]  # the host knows the count: no device sync
        loss.backward()
        if self.o.clip_norm > 0:
            torch.nn.utils.clip_grad_norm_(self.params, self.o.clip_norm)
        self.optimizer.step()
        return loss.detach()


def median(values):
    """The upper median, as bench/BenchTiming.h takes it (so both sides report alike)."""
    values = sorted(values)
    return values[len(values) // 2]


def synchronize(device):
    if device.type == "cuda":
        torch.cuda.synchronize(device)


def benchmark(o):
    torch.set_num_threads(o.threads)
    trainer = Trainer(o, o.device)
    batches = make_batches(o, o.warmup + o.steps, trainer.device)
    for batch in batches[:o.warmup]:
        trainer.step(batch)
    synchronize(trainer.device)
    seconds, cpu_seconds, tokens = [], [], []
    for batch in batches[o.warmup:]:
        t0, c0 = time.perf_counter(), time.process_time()
        trainer.step(batch)
        synchronize(trainer.device)
        seconds.append(time.perf_counter() - t0)
        cpu_seconds.append(time.process_time() - c0)
        tokens.append(batch["tgt_tokens"])
    return summarize(o, trainer, batches[o.warmup:], seconds, cpu_seconds, tokens)


def summarize(o, trainer, timed, seconds, cpu_seconds, tokens):
    tok_rates = [n / s for n, s in zip(tokens, seconds)]
    pair_rates = [o.batch / s for s in seconds]
    flops = [flops_per_step(o, o.batch, o.src_len, o.tgt_len, b["src_tokens"])["total"]
             for b in timed]
    result = {
        "reference": "eager-pytorch",
        "train_tokens_per_s": median(tok_rates),
        "train_tokens_per_s_min": min(tok_rates),
        "train_tokens_per_s_max": max(tok_rates),
        "train_tokens_per_s_mean": sum(tokens) / sum(seconds),
        "pairs_per_s": median(pair_rates),
        "pairs_per_s_min": min(pair_rates),
        "pairs_per_s_max": max(pair_rates),
        "step_ms_median": 1e3 * median(seconds),
        "step_ms_min": 1e3 * min(seconds),
        "step_ms_max": 1e3 * max(seconds),
        "step_ms": [round(1e3 * s, 3) for s in seconds],
        # CPU time of the process per step: on a shared machine wall time includes waiting
        # for a core; CPU time close to wall time (1 thread) means the run had its core.
        "step_cpu_ms_median": 1e3 * median(cpu_seconds),
        "target_tokens_timed": sum(tokens),
        "parameters": sum(p.numel() for p in trainer.params),
        "flops_per_step_median": median(flops),
        "model_gflops_per_s": median(f / s for f, s in zip(flops, seconds)) / 1e9,
        "peak_rss_mb": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024.0,
        "config": config_echo(o),
        "torch": torch.__version__,
        "machine": platform.processor() or platform.machine(),
    }
    if trainer.device.type == "cuda":
        result["peak_device_mb"] = torch.cuda.max_memory_allocated(trainer.device) / 2**20
        result["device_name"] = torch.cuda.get_device_name(trainer.device)
    if o.peak_gflops:
        result["peak_gflops"] = o.peak_gflops
        result["mfu"] = result["model_gflops_per_s"] / o.peak_gflops
    return result


def config_echo(o):
    keys = ["vocab", "embed", "hidden", "attention", "decoder_hidden", "readout", "readout_dim",
            "cell", "encoder_layers", "decoder_layers", "dropout", "label_smoothing", "batch",
            "src_len", "tgt_len", "fixed_len", "seed", "threads", "steps", "warmup", "device",
            "precision", "lr", "clip_norm"]
    return {k: getattr(o, k) for k in keys}


def print_table(r):
    c = r["config"]
    print(f"eager PyTorch {r['torch']} reference, {c['device']} {c['precision']}, "
          f"{c['threads']} thread(s): V{c['vocab']} E{c['embed']} H{c['hidden']} A{c['attention']} "
          f"D{c['decoder_hidden']} R{c['readout_dim']} {c['readout']} {c['cell']} "
          f"{c['encoder_layers']}+{c['decoder_layers']} layers, dropout {c['dropout']}")
    print(f"batch {c['batch']} pairs, {c['src_len']} -> {c['tgt_len']} tokens "
          f"({'fixed' if c['fixed_len'] else 'variable'} lengths), {c['warmup']} warm-up + "
          f"{c['steps']} timed steps, {r['parameters']} parameters")
    rows = [("target tokens/s", r["train_tokens_per_s"], r["train_tokens_per_s_min"],
             r["train_tokens_per_s_max"]),
            ("pairs/s", r["pairs_per_s"], r["pairs_per_s_min"], r["pairs_per_s_max"]),
            ("step ms", r["step_ms_median"], r["step_ms_min"], r["step_ms_max"]),
            ("step CPU ms", r["step_cpu_ms_median"], None, None)]
    print(f"{'':<18}{'median':>12}{'min':>12}{'max':>12}")
    for name, med, lo, hi in rows:
        cells = "".join(f"{x:>12.1f}" if x is not None else f"{'':>12}" for x in (med, lo, hi))
        print(f"{name:<18}{cells}")
    line = (f"model {r['flops_per_step_median'] / 1e9:.3f} GFLOP/step, "
            f"{r['model_gflops_per_s']:.1f} GFLOP/s")
    if "mfu" in r:
        line += f", MFU {100 * r['mfu']:.1f}% of {r['peak_gflops']:.0f} GFLOP/s"
    print(line)
    mem = f"peak RSS {r['peak_rss_mb']:.0f} MB"
    if "peak_device_mb" in r:
        mem += f", peak device memory {r['peak_device_mb']:.0f} MB ({r['device_name']})"
    print(mem)


# ----------------------------------------------------------------------------------------
# Self-check: the model computes what s2s's does, the step learns, the formulas hold


def self_check():
    torch.set_num_threads(1)
    failures = []

    def check(name, ok, detail):
        print(f"{'ok  ' if ok else 'FAIL'} {name}: {detail}")
        if not ok:
            failures.append(name)

    for readout in ["maxout", "tanh"]:
        for layers in [1, 2]:
            o = parse_args(["--vocab", "37", "--embed", "6", "--hidden", "5", "--attention", "4",
                            "--decoder-hidden", "7", "--readout-dim", "3", "--readout", readout,
                            "--encoder-layers", str(layers), "--decoder-layers", str(layers)])
            model = Seq2Seq(o)
            got = [(n, tuple(p.shape)) for n, p in model.named_parameters()]
            want = expected_parameters(o)
            check(f"parameter names and shapes ({readout}, {layers} layers)", got == want,
                  f"{len(got)} tensors" if got == want else f"got {got}, want {want}")
            count = sum(p.numel() for p in model.parameters())
            check(f"parameter count ({readout}, {layers} layers)", count == param_count(o),
                  f"module {count}, formula {param_count(o)}")

    # The loss: F.cross_entropy's label smoothing against fairseq's formula written out.
    gen = torch.Generator().manual_seed(0)
    logits = torch.randn(3, 5, 11, generator=gen, dtype=torch.float64)
    targets = torch.randint(1, 11, (3, 5), generator=gen)
    targets[0, 3:] = PAD
    targets[2, 1:] = PAD
    lprobs = torch.log_softmax(logits, -1)
    nll = -lprobs.gather(-1, targets.unsqueeze(-1)).squeeze(-1)
    smooth = -lprobs.sum(-1)
    explicit = ((0.9 * nll + 0.1 / 11 * smooth) * targets.ne(PAD)).sum()
    got = label_smoothed_loss_sum(logits, targets, 0.1)
    check("label-smoothed loss", abs(float(got - explicit)) < 1e-10,
          f"cross_entropy {float(got):.6f}, explicit {float(explicit):.6f}")

    # Padding invariance: a row's logits do not depend on the other rows' padding.
    o = parse_args(["--vocab", "40", "--embed", "8", "--hidden", "6", "--attention", "5",
                    "--decoder-hidden", "7", "--readout-dim", "4", "--batch", "4",
                    "--src-len", "9", "--tgt-len", "7", "--dropout", "0"])
    torch.manual_seed(0)
    model = Seq2Seq(o).double().eval()
    b = make_batches(o, 1, "cpu")[0]
    worst = 0.0
    with torch.no_grad():
        full = model(b["src"], b["src_lengths"], b["tgt_in"])
        for i in range(o.batch):
            n = int(b["src_lengths"][i])
            alone = model(b["src"][i:i + 1, :n], b["src_lengths"][i:i + 1], b["tgt_in"][i:i + 1])
            worst = max(worst, float((alone - full[i:i + 1]).abs().max()))
    check("padding invariance", worst < 1e-10, f"max |row alone - row in batch| = {worst:.2e}")

    # The batch rule: row 0 longest, lengths within [ceil(S/2), S], <s>/</s> placed, pads.
    o = parse_args(["--vocab", "50", "--batch", "16", "--src-len", "9", "--tgt-len", "6"])
    rng = SplitMix64(o.seed)
    ok, why = True, ""
    for _ in range(20):
        src, sl, tin, tout, tokens = draw_batch(rng, o)
        ok &= sl[0] == 9 and all(5 <= n <= 9 for n in sl) and tokens == sum(
            sum(t != PAD for t in row) for row in tout)
        for i, n in enumerate(sl):
            ok &= src[i][n - 1] == EOS and all(FIRST_ORDINARY_ID <= t < 50 for t in src[i][:n - 1])
            ok &= all(t == PAD for t in src[i][n:])
        for i in range(o.batch):
            n = sum(t != PAD for t in tout[i])
            ok &= 3 <= n <= 6 and tout[i][n - 1] == EOS and tin[i][0] == BOS
            ok &= tin[i][1:n] == tout[i][:n - 1]
    first = SplitMix64(0).next()
    ok_rng = first == 0xE220A8397B1DCDAF  # SplitMix64's published first output for seed 0
    check("synthetic batch rule", ok and ok_rng,
          f"20 batches follow the spec; splitmix64(0) first output {first:#x}")

    # FLOPs formula against PyTorch's own matmul counter over forward + backward.
    from torch.utils.flop_counter import FlopCounterMode
    o = parse_args(["--vocab", "300", "--embed", "32", "--hidden", "24", "--attention", "20",
                    "--decoder-hidden", "40", "--readout-dim", "16", "--batch", "8",
                    "--src-len", "7", "--tgt-len", "6", "--fixed-len", "--dropout", "0"])
    for readout in ["maxout", "tanh"]:
        o.readout = readout
        torch.manual_seed(0)
        model = Seq2Seq(o)
        b = make_batches(o, 1, "cpu")[0]
        counter = FlopCounterMode(display=False)
        with counter:
            logits = model(b["src"], b["src_lengths"], b["tgt_in"])
            label_smoothed_loss_sum(logits, b["tgt_out"], 0.1).backward()
        counted = counter.get_total_flops()
        formula = flops_per_step(o, o.batch, o.src_len, o.tgt_len, b["src_tokens"])["total"]
        # The counter sees every matmul actually run (on CPU the packed GRU decomposes into
        # addmm/mm); the formula's 3x is the usual approximation (autograd skips, e.g., the
        # gradient into the zero initial encoder state), so they agree to within 2%.
        rel = abs(counted - formula) / formula
        check(f"FLOPs formula vs FlopCounterMode ({readout})", rel < 0.02,
              f"counter {counted}, formula {formula} ({100 * rel:.2f}% apart)")

    # Learning: 50 steps on one small batch with padding bring the loss well down.
    o = parse_args(["--vocab", "30", "--embed", "32", "--hidden", "32", "--attention", "32",
                    "--decoder-hidden", "64", "--readout-dim", "32", "--batch", "8",
                    "--src-len", "8", "--tgt-len", "8", "--lr", "0.01", "--dropout", "0"])
    trainer = Trainer(o, "cpu")
    batch = make_batches(o, 1, "cpu")[0]
    losses = [float(trainer.step(batch)) for _ in range(50)]
    check("overfits one batch in 50 steps", losses[-1] < 0.5 * losses[0] and
          losses[-1] < min(losses[:10]),
          f"loss per token {losses[0]:.3f} -> {losses[-1]:.3f}")

    print("self-check: " + ("all passed" if not failures else f"{len(failures)} failed: "
                             + ", ".join(failures)))
    return 0 if not failures else 1


def main(argv):
    if "--self-check" in argv:
        return self_check()
    o = parse_args(argv)
    result = benchmark(o)
    if o.json:
        print(json.dumps(result))
    else:
        print_table(result)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
