#include "trainer/plot/Gnuplot.h"

#include <fcntl.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cctype>
#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <vector>

#include "core/Check.h"

extern char** environ;

namespace s2s {

namespace fs = std::filesystem;

Gnuplot::Gnuplot() {
  std::string templ = (fs::temp_directory_path() / "s2s-plot-XXXXXX").string();
  S2S_CHECK(mkdtemp(templ.data()) != nullptr, "cannot create a temporary directory for gnuplot in {}: {}",
            fs::temp_directory_path().string(), std::strerror(errno));
  dir_ = templ;
}

Gnuplot::~Gnuplot() {
  std::error_code ec;
  fs::remove_all(dir_, ec);  // best effort; never throw from a destructor
}

std::string Gnuplot::write_file(const std::string& name, const std::string& text) const {
  const std::string path = (fs::path(dir_) / name).string();
  std::ofstream out(path, std::ios::binary);
  out << text;
  out.close();
  S2S_CHECK(out.good(), "cannot write the gnuplot data file {} (is {} full?)", path, dir_);
  return path;
}

void Gnuplot::run(const std::string& script, const std::string& png_path) const {
  const std::string script_path = write_file("plot.gp", script);
  const std::string err_path = (fs::path(dir_) / "gnuplot.err").string();
  const char* env_program = std::getenv("S2S_GNUPLOT");
  const std::string program = env_program && *env_program ? env_program : "gnuplot";

  std::error_code ec;
  fs::remove(png_path, ec);  // so a stale file cannot pass for a new one

  posix_spawn_file_actions_t actions;
  posix_spawn_file_actions_init(&actions);
  posix_spawn_file_actions_addopen(&actions, STDIN_FILENO, "/dev/null", O_RDONLY, 0);
  posix_spawn_file_actions_addopen(&actions, STDOUT_FILENO, err_path.c_str(),
                                   O_WRONLY | O_CREAT | O_TRUNC, 0600);
  posix_spawn_file_actions_adddup2(&actions, STDOUT_FILENO, STDERR_FILENO);
  std::vector<char*> argv = {const_cast<char*>(program.c_str()),
                             const_cast<char*>(script_path.c_str()), nullptr};
  pid_t pid = 0;
  const int rc = posix_spawnp(&pid, program.c_str(), &actions, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&actions);
  S2S_CHECK(rc == 0, "cannot run {} ({}): install gnuplot (Debian: apt-get install gnuplot-nox, "
            "as launch/setup.sh does) or point S2S_GNUPLOT at it", program, std::strerror(rc));
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) S2S_CHECK(errno == EINTR, "waiting for gnuplot failed: {}", std::strerror(errno));

  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    std::ifstream err(err_path);
    std::string line, first;
    while (std::getline(err, line))
      if (line.find_first_not_of(" \t^") != std::string::npos) {  // skip gnuplot's caret lines
        first = line;
        if (line.find("rror") != std::string::npos || line.find("line ") != std::string::npos) break;
      }
    S2S_FAIL("gnuplot failed drawing {} (exit {}): {}", png_path,
             WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status),
             first.empty() ? "no message" : first);
  }
  S2S_CHECK(fs::is_regular_file(png_path, ec) && fs::file_size(png_path, ec) > 0,
            "gnuplot exited 0 but wrote no {}: check that the directory exists and is writable",
            png_path);
}

namespace {

std::string escape(const std::string& text, bool format) {
  std::string out = "\"";
  for (const char c : text) {
    const auto u = static_cast<unsigned char>(c);
    if (c == '\n' || c == '\r')
      out += ' ';
    else if (format && c == '%')
      out += "%%";
    else if (u >= 0x80 || std::isalpha(u) || c == ' ')  // digits too: gnuplot would read
                                                        // "\0556" as one escape
      out += c;
    else
      out += fmt::format("\\{:03o}", u);
  }
  return out + "\"";
}

}  // namespace

std::string Gnuplot::quote(const std::string& text) { return escape(text, false); }

std::string Gnuplot::label(const std::string& text) { return escape(text, true); }

}  // namespace s2s
