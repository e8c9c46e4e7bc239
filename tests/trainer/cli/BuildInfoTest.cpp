// Specification of `s2s --version` (trainer/cli/BuildInfo): one line whose every field is
// checked against an independent source: the version against CMakeLists.txt, the commit
// against `git rev-parse HEAD`, LibTorch, CUDA and NCCL against what the venv's Python torch
// reports, the MPI library against `mpirun --version`. `s2s train` logs that line first.
#include <gtest/gtest.h>

#include <cctype>
#include <regex>
#include <sstream>
#include <string>

#include "tests/support/PythonOracle.h"
#include "tests/support/ScratchDir.h"
#include "tests/support/Subprocess.h"

namespace s2s {
namespace {

struct VersionFields {
  std::string version, commit, dirty, torch, cuda_part, cuda, gpus, nccl_part, nccl, mkl, mpi;
};

// Splits the line at its fixed words; fails the test when the shape differs.
VersionFields parse(const std::string& line) {
  static const std::regex shape(
      R"(s2s (\S+) \((?:commit ([0-9a-f]{40})(-dirty)?|not built from a git tree)\); LibTorch (\S+); )"
      R"((CUDA (\S+) compiled in, (\d+) GPUs? visible|CUDA not compiled in); )"
      R"((NCCL (\S+) compiled in|NCCL not compiled in); MKL kernels by (CPU features|vendor); MPI: (.+))");
  std::smatch m;
  EXPECT_TRUE(std::regex_match(line, m, shape)) << "unexpected --version line: " << line;
  if (m.empty()) return {};
  return {m[1], m[2], m[3], m[4], m[5], m[6], m[7], m[8], m[9], m[10], m[11]};
}

std::string first_line(const std::string& text) { return text.substr(0, text.find('\n')); }

std::string version_line(const std::string& env = "") {
  const auto r = test::run_command(env + test::s2s_binary() + " --version");
  EXPECT_EQ(r.exit_code, 0) << r.err;
  EXPECT_EQ(r.out.find('\n'), r.out.size() - 1) << "expected exactly one line, got: " << r.out;
  for (const char c : r.out) EXPECT_TRUE(c == '\n' || std::isprint(static_cast<unsigned char>(c))) << int(c);
  return first_line(r.out);
}

TEST(BuildInfo, VersionIsTheProjectVersionOfCMakeLists) {
  const std::string cmake = test::read_text(S2S_SOURCE_DIR "/CMakeLists.txt");
  std::smatch m;
  ASSERT_TRUE(std::regex_search(cmake, m, std::regex(R"(project\(s2s VERSION (\S+))")));
  EXPECT_EQ(parse(version_line()).version, m[1].str());
}

TEST(BuildInfo, CommitIsTheSourceTreesHead) {
  const auto top = test::run_command("git -C " S2S_SOURCE_DIR " rev-parse --show-toplevel");
  const VersionFields v = parse(version_line());
  if (top.exit_code != 0 || first_line(top.out) != S2S_SOURCE_DIR) {
    EXPECT_EQ(v.commit, "") << "built outside a git tree, yet the line names a commit";
    GTEST_SKIP() << S2S_SOURCE_DIR << " is not a git tree: nothing to compare the commit with";
  }
  const auto head = test::run_command("git -C " S2S_SOURCE_DIR " rev-parse HEAD");
  ASSERT_EQ(head.exit_code, 0) << head.err;
  EXPECT_EQ(v.commit, first_line(head.out));
}

TEST(BuildInfo, LibTorchCudaAndNcclAreWhatTheVenvsTorchReports) {
  const test::ScratchDir scratch("s2s-buildinfo-test");
  const std::string oracle = test::run_python(
      "import torch\n"
      "print(torch.__version__.split('+')[0])\n"
      "print(torch.version.cuda or '')\n"
      "print(torch.cuda.device_count())\n"
      "print('.'.join(map(str, torch.cuda.nccl.version())) if torch.version.cuda else '')\n",
      scratch.path());
  std::istringstream lines(oracle);
  std::string torch, cuda, gpus, nccl;
  std::getline(lines, torch);
  std::getline(lines, cuda);
  std::getline(lines, gpus);
  std::getline(lines, nccl);
  const VersionFields v = parse(version_line());
  EXPECT_EQ(v.torch, torch) << oracle;
  EXPECT_EQ(v.cuda_part != "CUDA not compiled in", S2S_EXPECT_CUDA != 0) << v.cuda_part;
  if (S2S_EXPECT_CUDA) {
    EXPECT_EQ(v.cuda, cuda) << oracle;
    EXPECT_EQ(v.gpus, gpus) << oracle;
  }
  EXPECT_EQ(v.nccl_part != "NCCL not compiled in", S2S_EXPECT_NCCL != 0) << v.nccl_part;
  // One process holds one libnccl.so.2, LibTorch's (README, "Building against a CUDA LibTorch").
  if (S2S_EXPECT_NCCL) {
    EXPECT_EQ(v.nccl, nccl) << oracle;
  }
}

// core/MklFeatureDispatch.h: by CPU features unless the user asks for MKL's own choice.
TEST(BuildInfo, MklKernelChoiceFollowsTheEnvironment) {
  EXPECT_EQ(parse(version_line("env -u S2S_MKL_VENDOR_DISPATCH ")).mkl, "CPU features");
  EXPECT_EQ(parse(version_line("S2S_MKL_VENDOR_DISPATCH=1 ")).mkl, "vendor");
  EXPECT_EQ(parse(version_line("S2S_MKL_VENDOR_DISPATCH=0 ")).mkl, "CPU features");
}

TEST(BuildInfo, MpiIsTheLibraryThatMpirunBelongsTo) {
  const auto r = test::run_command(std::string(S2S_MPIEXEC) + " --version");
  ASSERT_EQ(r.exit_code, 0) << r.err;
  std::smatch m;
  const std::string text = r.out + r.err;
  ASSERT_TRUE(std::regex_search(text, m, std::regex(R"(\d+\.\d+(\.\d+)?)"))) << text;
  const VersionFields v = parse(version_line());
  EXPECT_NE(v.mpi.find(m[0].str()), std::string::npos) << "mpirun says " << first_line(text) << "; s2s says " << v.mpi;
}

TEST(BuildInfo, TrainLogsTheVersionLineFirst) {
  const test::ScratchDir dir("s2s-buildinfo-train");
  const auto prep = test::run_command(test::s2s_binary() + " prep --sample --sample-pairs 300 --valid-count 20 "
                                      "--test-count 0 --no-progress " + dir / "corpus");
  ASSERT_EQ(prep.exit_code, 0) << prep.err;
  const auto train = test::run_command(
      "OMPI_ALLOW_RUN_AS_ROOT=1 OMPI_ALLOW_RUN_AS_ROOT_CONFIRM=1 timeout 120 " + test::s2s_binary() +
      " train data.dir=" + dir / "corpus" + " run.dir=" + dir / "run" +
      " model.embed_dim=8 model.encoder_hidden=8 model.decoder_hidden=8 model.attention_dim=8"
      " model.readout_dim=8 run.threads=1 train.max_steps=1 train.max_epochs=0 train.validate_every=0");
  ASSERT_EQ(train.exit_code, 0) << train.err;
  const std::string logged = first_line(test::read_text(dir / "run/train.log"));
  const std::string line = version_line();
  ASSERT_GE(logged.size(), line.size()) << logged;
  EXPECT_EQ(logged.substr(logged.size() - line.size()), line) << logged;
}

}  // namespace
}  // namespace s2s
