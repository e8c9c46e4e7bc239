#pragma once
// The subcommands of the `s2s` binary. Each lives in its own file (cli/<Name>Command.cpp)
// and adds itself to the app: its options, its help and the callback that runs it.
// Callbacks throw s2s::Error on bad input; main() is the one place that catches.
#include <CLI/CLI.hpp>

namespace s2s::cli {

void add_config_command(CLI::App& app);  // s2s config --dump [FILE] [section.key=value ...]
void add_prep_command(CLI::App& app);     // s2s prep (--tsv F | --source F --target F | --sample) OUT_DIR
void add_inspect_command(CLI::App& app);  // s2s inspect CORPUS_DIR [--pairs N] [--no-verify]
void add_train_command(CLI::App& app);    // s2s train --config FILE [section.key=value ...]
void add_score_command(CLI::App& app);    // s2s score --hyp H --ref R1 [--ref R2 ...] [--json]
void add_plot_command(CLI::App& app);     // s2s plot curves RUN_DIR | attention --checkpoint C --input F --lines 1,3 -o DIR
void add_translate_command(CLI::App& app);  // s2s translate --checkpoint C [--checkpoint C2 ...] [--input F] [--beam N] [--nbest K] [--attention F]
void add_eval_command(CLI::App& app);       // s2s eval --checkpoint C [--checkpoint C2 ...] --tsv F [--json]
void add_average_command(CLI::App& app);
void add_bench_command(CLI::App& app);      // s2s bench [--config F] [overrides] --vocab V --batch B --src-len S --tgt-len T [--json]    // s2s average (--last N RUN_DIR | A.h5 B.h5 ...) -o FILE

}  // namespace s2s::cli
