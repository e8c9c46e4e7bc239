// `s2s`: one binary, git-style subcommands. Thin on purpose: parse, dispatch, and the one
// catch that turns an s2s::Error into a one-line message and a non-zero exit.
#include <fmt/format.h>

#include <cstdio>
#include <exception>

#include "core/Error.h"
#include "core/HeapReuse.h"
#include "core/Log.h"
#include "trainer/cli/BuildInfo.h"
#include "trainer/cli/Commands.h"

int main(int argc, char** argv) {
  s2s::keep_freed_heap_for_reuse();  // before anything allocates: see core/HeapReuse.h
  CLI::App app{"s2s: data-parallel Bahdanau-attention sequence-to-sequence training", "s2s"};
  app.require_subcommand(1);
  app.set_version_flag("--version", [] { return s2s::cli::BuildInfo::of_this_process().line(); },
                       "Print the version, the commit, LibTorch, CUDA/NCCL and the MPI library, and exit");
  s2s::cli::add_config_command(app);
  s2s::cli::add_prep_command(app);
  s2s::cli::add_inspect_command(app);
  s2s::cli::add_train_command(app);
  s2s::cli::add_score_command(app);
  s2s::cli::add_translate_command(app);
  s2s::cli::add_eval_command(app);
  s2s::cli::add_average_command(app);
  s2s::cli::add_bench_command(app);
  s2s::cli::add_plot_command(app);

  try {
    app.parse(argc, argv);  // runs the chosen subcommand's callback
  } catch (const CLI::ParseError& e) {
    return app.exit(e);
  } catch (const s2s::Error& e) {
    std::fprintf(stderr, "s2s: error: %s\n", e.what());
    if (s2s::Log::enabled(s2s::LogLevel::kDebug) && e.line() > 0)
      std::fprintf(stderr, "s2s: (raised at %s:%d)\n", e.file(), e.line());
    return 1;
  } catch (const std::exception& e) {
    std::fprintf(stderr, "s2s: error: %s\n", e.what());
    return 1;
  }
  return 0;
}
