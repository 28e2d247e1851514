// Text helpers for printing untrusted completions on a terminal: control characters made
// visible, display width of UTF-8 (wide CJK and emoji count 2), wrapping, and a line diff.
#pragma once

#include <string>
#include <string_view>
#include <vector>

namespace rlvr::runlog {

// Control characters other than newline become "\xNN", a tab becomes spaces, and invalid UTF-8
// becomes U+FFFD, so that a completion cannot move the cursor or recolour the terminal.
std::string terminal_safe(std::string_view text);

// Columns `text` takes on a terminal (valid UTF-8 without control characters assumed).
size_t display_width(std::string_view text);

// Splits on newlines and wraps each line at `width` columns (a character is never split).
std::vector<std::string> wrap(std::string_view text, size_t width);

// Pads (or cuts) to exactly `width` columns.
std::string fit(std::string_view text, size_t width);

struct DiffLine {
  char op;  // ' ' both, '-' only in the old text, '+' only in the new one
  std::string text;
};

// Line diff by longest common subsequence; texts beyond `max_lines` lines are compared as one
// removal and one addition.
std::vector<DiffLine> diff_lines(std::string_view before, std::string_view after, size_t max_lines = 2000);

}  // namespace rlvr::runlog
