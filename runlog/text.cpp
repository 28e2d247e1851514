// UTF-8 aware terminal text handling with utf8proc.
#include "runlog/text.h"

#include <utf8proc.h>

#include <algorithm>

namespace rlvr::runlog {
namespace {

// Calls f(codepoint, bytes) for each character; invalid bytes come as U+FFFD one byte at a time.
template <typename F>
void for_each_char(std::string_view text, F&& f) {
  const auto* p = reinterpret_cast<const utf8proc_uint8_t*>(text.data());
  utf8proc_ssize_t left = static_cast<utf8proc_ssize_t>(text.size());
  while (left > 0) {
    utf8proc_int32_t cp = 0;
    utf8proc_ssize_t n = utf8proc_iterate(p, left, &cp);
    if (n <= 0) {
      f(0xFFFD, std::string_view("\xEF\xBF\xBD"));
      n = 1;
    } else {
      f(cp, std::string_view(reinterpret_cast<const char*>(p), static_cast<size_t>(n)));
    }
    p += n;
    left -= n;
  }
}

int char_width(utf8proc_int32_t cp) { return std::max(0, utf8proc_charwidth(cp)); }

std::vector<std::string> split_lines(std::string_view text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (true) {
    size_t end = text.find('\n', start);
    lines.emplace_back(text.substr(start, end == std::string_view::npos ? std::string_view::npos : end - start));
    if (end == std::string_view::npos) break;
    start = end + 1;
  }
  return lines;
}

}  // namespace

std::string terminal_safe(std::string_view text) {
  static const char* kHex = "0123456789abcdef";
  std::string out;
  out.reserve(text.size());
  for_each_char(text, [&](utf8proc_int32_t cp, std::string_view bytes) {
    if (cp == '\n') {
      out += '\n';
    } else if (cp == '\t') {
      out += "    ";
    } else if (cp < 0x20 || cp == 0x7f || (cp >= 0x80 && cp < 0xa0)) {
      out += "\\x";
      out += kHex[(cp >> 4) & 0xf];
      out += kHex[cp & 0xf];
    } else {
      out += bytes;
    }
  });
  return out;
}

size_t display_width(std::string_view text) {
  size_t width = 0;
  for_each_char(text, [&](utf8proc_int32_t cp, std::string_view) { width += static_cast<size_t>(char_width(cp)); });
  return width;
}

std::vector<std::string> wrap(std::string_view text, size_t width) {
  std::vector<std::string> out;
  width = std::max<size_t>(width, 2);
  for (const std::string& line : split_lines(text)) {
    std::string current;
    size_t used = 0;
    for_each_char(line, [&](utf8proc_int32_t cp, std::string_view bytes) {
      size_t w = static_cast<size_t>(char_width(cp));
      if (used + w > width) {
        out.push_back(std::move(current));
        current.clear();
        used = 0;
      }
      current += bytes;
      used += w;
    });
    out.push_back(std::move(current));
  }
  return out;
}

std::string fit(std::string_view text, size_t width) {
  std::string out;
  size_t used = 0;
  bool full = false;
  for_each_char(text, [&](utf8proc_int32_t cp, std::string_view bytes) {
    size_t w = static_cast<size_t>(char_width(cp));
    if (full || used + w > width) {
      full = true;
      return;
    }
    out += bytes;
    used += w;
  });
  out.append(width - used, ' ');
  return out;
}

std::vector<DiffLine> diff_lines(std::string_view before, std::string_view after, size_t max_lines) {
  std::vector<std::string> a = split_lines(before), b = split_lines(after);
  std::vector<DiffLine> out;
  if (a.size() > max_lines || b.size() > max_lines) {
    for (auto& line : a) out.push_back({'-', line});
    for (auto& line : b) out.push_back({'+', line});
    return out;
  }
  // lcs[i][j]: length of the longest common subsequence of a[i:] and b[j:].
  const size_t n = a.size(), m = b.size();
  std::vector<std::vector<unsigned>> lcs(n + 1, std::vector<unsigned>(m + 1, 0));
  for (size_t i = n; i-- > 0;)
    for (size_t j = m; j-- > 0;)
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
  size_t i = 0, j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] == b[j]) {
      out.push_back({' ', a[i]});
      ++i, ++j;
    } else if (i < n && (j == m || lcs[i + 1][j] >= lcs[i][j + 1])) {
      out.push_back({'-', a[i++]});
    } else {
      out.push_back({'+', b[j++]});
    }
  }
  return out;
}

}  // namespace rlvr::runlog
