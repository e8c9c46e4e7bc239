#pragma once
// The `model:` section of the config: the shape of the Bahdanau seq2seq network.
// Vocabulary sizes are not here: they come from the corpus (data/), not from the user.

#include "core/EnumNames.h"
#include "core/FieldRule.h"

namespace s2s {

// model.cell: the recurrent cell of encoder and decoder.
S2S_ENUM(CellKind, gru, lstm);

// model.readout: the layer between the decoder and the vocabulary projection.
S2S_ENUM(ReadoutKind, maxout, tanh);

struct ModelOptions {
  // Each key's doc, default and accepted values: fields() below (the one place they are written).
  CellKind cell = CellKind::gru;
  int embed_dim = 256;
  int encoder_hidden = 256;
  int encoder_layers = 1;
  int decoder_hidden = 512;
  int decoder_layers = 1;
  int attention_dim = 256;
  ReadoutKind readout = ReadoutKind::maxout;
  int readout_dim = 256;
  double dropout = 0.1;
  double context_dropout = 0.0;
  double readout_input_dropout = 0.0;
  double source_word_dropout = 0.0;
  bool variational_dropout = false;
  bool tie_embeddings = false;
  double label_smoothing = 0.1;

  // Re-checks every key's rule (options built in code never went through the config
  // loader) and the rules that tie keys together, e.g. tie_embeddings needs
  // readout_dim == embed_dim. Throws s2s::Error naming the key as `model.<key>`.
  void validate() const;

  // Whether any dropout key is on (training then draws masks; model/DropoutMasks.h).
  bool drops() const {
    return dropout > 0.0 || context_dropout > 0.0 || readout_input_dropout > 0.0 ||
           source_word_dropout > 0.0;
  }

  template <class V>
  void fields(V& v) {
    v("cell", cell, "recurrent cell of encoder and decoder", words_of<CellKind>());
    v("embed_dim", embed_dim, "size of the source and target token embeddings", at_least(1));
    v("encoder_hidden", encoder_hidden,
      "encoder hidden size per direction; annotations h_j have twice this size", at_least(1));
    v("encoder_layers", encoder_layers, "number of stacked bidirectional encoder layers",
      at_least(1));
    v("decoder_hidden", decoder_hidden, "decoder hidden size (size of s_t)", at_least(1));
    v("decoder_layers", decoder_layers,
      "number of stacked decoder layers; the top layer's state queries the attention",
      at_least(1));
    v("attention_dim", attention_dim, "inner size of e_tj = v^T tanh(W s_{t-1} + U h_j)",
      at_least(1));
    v("readout", readout,
      "layer between (s_t, y_{t-1}, c_t) and the logits: the paper's maxout or a tanh layer",
      words_of<ReadoutKind>());
    v("readout_dim", readout_dim,
      "size of the readout vector (must equal embed_dim when tie_embeddings is true)",
      at_least(1));
    v("dropout", dropout,
      "dropout probability on embeddings, between stacked RNN layers and before the output "
      "projection (training only; masks follow each pair, whatever rank computes it)",
      between_open(0.0, 1.0));
    v("context_dropout", context_dropout,
      "dropout probability on the attention context c_t, where it enters the decoder cell and "
      "the readout",
      between_open(0.0, 1.0));
    v("readout_input_dropout", readout_input_dropout,
      "dropout probability on the readout's inputs s_t, E y_{t-1} and c_t", between_open(0.0, 1.0));
    v("source_word_dropout", source_word_dropout,
      "probability of dropping a whole source token (its embedding becomes zero)",
      between_open(0.0, 1.0));
    v("variational_dropout", variational_dropout,
      "one mask per sentence for the recurrent inputs (embeddings, context, between layers), the "
      "same at every time step (Gal and Ghahramani 2016), instead of a new mask per step",
      any());
    v("tie_embeddings", tie_embeddings,
      "share the target embedding matrix with the output projection", any());
    v("label_smoothing", label_smoothing,
      "epsilon of label-smoothed cross entropy (0 gives plain cross entropy)",
      between_open(0.0, 1.0));
  }
};

}  // namespace s2s
