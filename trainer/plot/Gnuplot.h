#pragma once
// Runs gnuplot (Debian's gnuplot-nox, which has the pngcairo terminal) on a generated script
// to draw the PNGs of s2s: training curves and attention heatmaps. Data go to files in a
// private temporary directory, never through the shell; gnuplot is started with
// posix_spawnp, its exit status and stderr are checked, and the PNG must exist afterwards.
//
//   Gnuplot plot;                                    // makes the temporary directory
//   std::string data = plot.write_file("loss.dat", "1 2.5\n2 2.1\n");
//   plot.run("set terminal pngcairo ...\nset output " + Gnuplot::quote(png) + "\n...", png);
#include <string>

namespace s2s {

class Gnuplot {
 public:
  Gnuplot();   // creates a temporary directory (removed by the destructor)
  ~Gnuplot();
  Gnuplot(const Gnuplot&) = delete;
  Gnuplot& operator=(const Gnuplot&) = delete;

  // Writes `text` to `name` in the temporary directory; returns its path.
  std::string write_file(const std::string& name, const std::string& text) const;

  // Runs `script` with gnuplot and checks that it exited 0 and that `png_path` is a
  // non-empty file. Throws s2s::Error with gnuplot's first error line, or saying how to
  // install gnuplot when it is missing. The program is $S2S_GNUPLOT if set, else `gnuplot`
  // from PATH.
  void run(const std::string& script, const std::string& png_path) const;

  // `text` as a gnuplot double-quoted string literal that gnuplot reads back verbatim: every
  // ASCII character other than letters and space is written as an octal escape
  // (\ooo), so quotes, backslashes and backquotes (which gnuplot would otherwise run as
  // shell commands, even inside strings) are inert; line breaks become spaces; UTF-8
  // bytes pass unchanged. For file names and titles.
  static std::string quote(const std::string& text);
  // Like quote(), for tic labels, which gnuplot also reads as printf formats: '%' is doubled.
  static std::string label(const std::string& text);

 private:
  std::string dir_;
};

}  // namespace s2s
