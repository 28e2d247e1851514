// The documentation stays navigable: README.md remains a front page (at most 300 lines, the
// reference material lives in docs/), and every relative link in README.md, BENCHMARKS.md and
// docs/*.md names a file that exists and, with #anchor, a heading of that file.
#include <gtest/gtest.h>

#include <cctype>
#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <string>
#include <vector>

namespace {

namespace fs = std::filesystem;

const fs::path kSource = RLVR_SOURCE_DIR;

std::vector<std::string> read_lines(const fs::path& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  return lines;
}

// Calls f(line_number, line) for each line outside ``` fences.
template <class F>
void for_each_prose_line(const std::vector<std::string>& lines, F f) {
  bool fenced = false;
  for (size_t i = 0; i < lines.size(); ++i) {
    if (lines[i].rfind("```", 0) == 0) {
      fenced = !fenced;
    } else if (!fenced) {
      f(i + 1, lines[i]);
    }
  }
}

// GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens.
std::string anchor_of(const std::string& heading) {
  std::string slug;
  for (unsigned char c : heading) {
    if (c >= 0x80 || std::isalnum(c) || c == '_' || c == '-') {
      slug += static_cast<char>(std::tolower(c));
    } else if (c == ' ') {
      slug += '-';
    }
  }
  return slug;
}

// Every anchor of a markdown file; repeated headings get -1, -2, ... as on GitHub.
std::set<std::string> anchors_of(const fs::path& path) {
  static const std::regex heading(R"(^#{1,6}\s+(.*?)\s*$)");
  std::map<std::string, int> seen;
  std::set<std::string> anchors;
  for_each_prose_line(read_lines(path), [&](size_t, const std::string& line) {
    std::smatch m;
    if (!std::regex_match(line, m, heading)) return;
    const std::string slug = anchor_of(m[1]);
    const int n = seen[slug]++;
    anchors.insert(n == 0 ? slug : slug + "-" + std::to_string(n));
  });
  return anchors;
}

TEST(Docs, ReadmeIsAFrontPage) {
  const size_t lines = read_lines(kSource / "README.md").size();
  EXPECT_GT(lines, 0u);
  EXPECT_LE(lines, 300u) << "README.md is the front page: move reference material to docs/";
}

TEST(Docs, RelativeLinksResolve) {
  std::vector<fs::path> pages = {kSource / "README.md", kSource / "BENCHMARKS.md"};
  for (const auto& entry : fs::directory_iterator(kSource / "docs")) {
    if (entry.path().extension() == ".md") pages.push_back(entry.path());
  }
  static const std::regex code_span("`[^`]*`"), link(R"(\]\(([^)\s]+)\))"), scheme("^[a-z]+:.*");
  size_t links = 0;
  for (const fs::path& page : pages) {
    for_each_prose_line(read_lines(page), [&](size_t number, const std::string& raw) {
      const std::string line = std::regex_replace(raw, code_span, "");
      for (std::sregex_iterator it(line.begin(), line.end(), link), end; it != end; ++it) {
        const std::string target = (*it)[1];
        if (std::regex_match(target, scheme)) continue;  // https:, mailto:
        ++links;
        const size_t hash = target.find('#');
        const std::string file = target.substr(0, hash);
        const fs::path resolved = file.empty() ? page : page.parent_path() / file;
        const std::string where = page.filename().string() + ":" + std::to_string(number) + ": " + target;
        if (!fs::exists(resolved)) {
          ADD_FAILURE() << where << ": no such file";
        } else if (hash != std::string::npos) {
          EXPECT_EQ(anchors_of(resolved).count(target.substr(hash + 1)), 1u) << where << ": no such heading";
        }
      }
    });
  }
  EXPECT_GT(links, 0u);
}

}  // namespace
