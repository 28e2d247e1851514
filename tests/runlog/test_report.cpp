// The HTML report: data escaped so no completion can break out of the page, nothing fetched
// from the network, and, in a real browser (Debian's headless Chromium), the plots and rows
// render with no script errors. Point the browser check at a real run with
// RLVR_REPORT_RUN_DIR=runs/NAME build/tests/test_runlog --gtest_filter='ReportInChromium.*'.
#include <gtest/gtest.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <regex>
#include <sstream>

#include "runlog/report.h"
#include "testsupport/fake_run.h"
#include "testsupport/scratch.h"

namespace rlvr::runlog {
namespace {

namespace fs = std::filesystem;

std::string generated_run(const std::string& name, const testsupport::FakeRun& run = {}) {
  std::string dir = testsupport::scratch_path(name);
  fs::remove_all(dir);
  testsupport::write_fake_run(dir, run);
  return dir;
}

TEST(Report, JsonForScriptEscapesMarkup) {
  struct Case { std::string text; };
  const std::vector<Case> cases = {{"</script><script>alert(1)</script>"}, {"<!-- x -->"}, {"a && b > c"},
                                   {"bad utf8 \xff\xfe end"}, {"line\u2028sep"}};
  for (const Case& c : cases) {
    std::string out = json_for_script(nlohmann::json{{"s", c.text}});
    EXPECT_EQ(out.find_first_of("<>&"), std::string::npos) << out;
    auto back = nlohmann::json::parse(out)["s"].get<std::string>();
    if (c.text.find('\xff') == std::string::npos) {
      EXPECT_EQ(back, c.text);
    }
    else EXPECT_NE(back.find("\xEF\xBF\xBD"), std::string::npos) << "invalid UTF-8 replaced";
  }
}

TEST(Report, SelfContainedAndEscaped) {
  std::ostringstream page;
  ReportInfo info = write_report(generated_run("report_static"), page);
  const std::string html = page.str();
  EXPECT_EQ(info.samples_total, 96);
  EXPECT_EQ(info.samples_included, 96);
  EXPECT_EQ(html.find("<img"), std::string::npos) << "a completion's tag reached the markup";
  EXPECT_EQ(html.find("document.title='pwned'</script>"), std::string::npos);
  // Nothing is loaded from elsewhere: no external scripts, styles, images or fonts.
  for (const char* banned : {"<link", "src=\"http", "src='http", "url(", "@import", "fetch(", "XMLHttpRequest"})
    EXPECT_EQ(html.find(banned), std::string::npos) << banned;
  std::smatch m;
  std::string rest = html;
  while (std::regex_search(rest, m, std::regex("https?://[^'\"\\s]*"))) {
    EXPECT_EQ(m.str(), "http://www.w3.org/2000/svg") << "only the SVG namespace name may appear";
    rest = m.suffix();
  }

  ReportOptions few;
  few.max_samples = 10;
  std::ostringstream small;
  ReportInfo limited = write_report(generated_run("report_static"), small, few);
  EXPECT_EQ(limited.samples_included, 10);
  EXPECT_LT(small.str().size(), html.size());
}

struct BrowserResult {
  bool ran = false;
  std::string dom, console;  // the DOM after scripts ran; the page's console lines
};

// Each test gets its own files and browser profile: ctest runs the tests in parallel, and two
// Chromium processes on one profile directory fail.
std::string scratch_dir() {
  const std::string dir = std::string(RLVR_BINARY_DIR) + "/runlog_chromium_" +
                          ::testing::UnitTest::GetInstance()->current_test_info()->name();
  fs::create_directories(dir);
  return dir;
}

std::string report_path() { return scratch_dir() + "/report.html"; }

BrowserResult load_in_chromium(const std::string& html_path) {
  BrowserResult result;
  const std::string dir = scratch_dir();
  const std::string cmd = "timeout 120 chromium --headless --no-sandbox --disable-gpu --enable-logging=stderr --v=0 "
                          "--user-data-dir=" + dir + "/profile --virtual-time-budget=10000 --dump-dom 'file://" +
                          fs::absolute(html_path).string() + "' > " + dir + "/dom.html 2> " + dir + "/stderr.txt";
  if (std::system(cmd.c_str()) != 0) return result;
  result.ran = true;
  std::ifstream dom(dir + "/dom.html"), err(dir + "/stderr.txt");
  std::stringstream d;
  d << dom.rdbuf();
  result.dom = d.str();
  for (std::string line; std::getline(err, line);)
    if (line.find(":CONSOLE") != std::string::npos) result.console += line + "\n";
  return result;
}

bool have_chromium() { return std::system("command -v chromium > /dev/null 2>&1") == 0; }

int attribute(const std::string& dom, const std::string& name) {
  std::smatch m;
  if (!std::regex_search(dom, m, std::regex(name + "=\"(\\d+)\""))) return -1;
  return std::stoi(m[1]);
}

// Writes the report of `run_dir`, loads it in Chromium and checks what rendered.
void check_report_in_chromium(const std::string& run_dir, int min_plots, int expected_rows) {
  const std::string html = report_path();
  ReportInfo info;
  {
    std::ofstream out(html);
    info = write_report(run_dir, out);
  }
  BrowserResult page = load_in_chromium(html);
  ASSERT_TRUE(page.ran) << "chromium failed; see " << scratch_dir() << "/stderr.txt";
  EXPECT_EQ(page.console, "") << "console output (errors) from the page";
  EXPECT_FALSE(std::regex_search(page.dom, std::regex("<body[^>]*data-js-error")))
      << "a script error was caught on the page";
  EXPECT_NE(page.dom.find("data-rendered=\"ok\""), std::string::npos) << "the page script did not finish";
  EXPECT_GE(attribute(page.dom, "data-plots"), min_plots);
  EXPECT_GE(attribute(page.dom, "data-status-plots"), 1);
  EXPECT_EQ(attribute(page.dom, "data-axis-problems"), 0) << "a y tick label clipped, out of order or not its value";
  const int rows = std::min<int>(200, static_cast<int>(info.samples_included));  // the first page of the table
  EXPECT_EQ(attribute(page.dom, "data-rows"), expected_rows >= 0 ? expected_rows : rows);
  size_t drawn = 0;
  for (size_t at = 0; (at = page.dom.find("<polyline", at)) != std::string::npos; ++at) ++drawn;
  EXPECT_GE(drawn, static_cast<size_t>(min_plots)) << "each plot draws at least one line";
  EXPECT_EQ(page.dom.find("<title>pwned"), std::string::npos) << "a completion's script ran";
}

TEST(ReportInChromium, GeneratedRun) {
  if (!have_chromium()) GTEST_SKIP() << "chromium is not installed (apt-get install chromium); browser check skipped";
  const std::string run = generated_run("report_browser");
  check_report_in_chromium(run, 10, 96);
  // The completions' markup shows as text in the table.
  BrowserResult page = load_in_chromium(report_path());
  EXPECT_NE(page.dom.find("&lt;/script&gt;&lt;script&gt;document.title='pwned'"), std::string::npos);
  EXPECT_EQ(page.dom.find("<img src=\"x\""), std::string::npos);
}

TEST(ReportInChromium, RunWithoutMetrics) {
  if (!have_chromium()) GTEST_SKIP() << "chromium is not installed; browser check skipped";
  const std::string run = generated_run("report_browser_no_metrics");
  fs::remove(run + "/metrics.jsonl");
  check_report_in_chromium(run, 2, 96);  // reward and length from the samples
}

TEST(ReportInChromium, RunDirFromEnvironment) {
  const char* dir = std::getenv("RLVR_REPORT_RUN_DIR");
  if (!dir) GTEST_SKIP() << "set RLVR_REPORT_RUN_DIR=runs/NAME to check a real run's report in Chromium";
  if (!have_chromium()) GTEST_SKIP() << "chromium is not installed; browser check skipped";
  check_report_in_chromium(dir, 1, -1);
}

}  // namespace
}  // namespace rlvr::runlog
