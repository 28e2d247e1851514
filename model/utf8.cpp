// UTF-8 validation and lossy repair by the maximal-subpart rule.
#include "model/utf8.h"

namespace rlvr {

namespace {

// How many bytes a lead byte announces and the valid range of the byte after it (which
// excludes overlong forms, surrogates and code points beyond U+10FFFF). 0: not a lead byte.
struct LeadInfo {
  size_t length;
  unsigned char second_lo, second_hi;
};

LeadInfo lead_info(unsigned char b) {
  if (b < 0x80) return {1, 0, 0};
  if (b >= 0xc2 && b <= 0xdf) return {2, 0x80, 0xbf};
  if (b == 0xe0) return {3, 0xa0, 0xbf};
  if (b == 0xed) return {3, 0x80, 0x9f};
  if (b >= 0xe1 && b <= 0xef) return {3, 0x80, 0xbf};
  if (b == 0xf0) return {4, 0x90, 0xbf};
  if (b >= 0xf1 && b <= 0xf3) return {4, 0x80, 0xbf};
  if (b == 0xf4) return {4, 0x80, 0x8f};
  return {0, 0, 0};
}

// Bytes of s[i..] that form a valid sequence or the longest valid prefix of one (>= 1), and
// whether the sequence is complete.
size_t scan_sequence(std::string_view s, size_t i, bool* complete) {
  const LeadInfo lead = lead_info(static_cast<unsigned char>(s[i]));
  *complete = lead.length == 1;
  if (lead.length <= 1) return 1;
  size_t n = 1;
  for (; n < lead.length && i + n < s.size(); ++n) {
    const unsigned char c = static_cast<unsigned char>(s[i + n]);
    const bool ok = n == 1 ? (c >= lead.second_lo && c <= lead.second_hi) : (c >= 0x80 && c <= 0xbf);
    if (!ok) break;
  }
  *complete = n == lead.length;
  return n;
}

}  // namespace

size_t utf8_sequence_length(std::string_view s, size_t i) {
  bool complete = false;
  const size_t n = scan_sequence(s, i, &complete);
  return complete ? n : 0;
}

size_t utf8_find_invalid(std::string_view s) {
  for (size_t i = 0; i < s.size();) {
    if (static_cast<unsigned char>(s[i]) < 0x80) {
      ++i;
      continue;
    }
    const size_t n = utf8_sequence_length(s, i);
    if (n == 0) return i;
    i += n;
  }
  return std::string_view::npos;
}

std::string utf8_lossy(std::string_view s) {
  if (utf8_find_invalid(s) == std::string_view::npos) return std::string(s);
  std::string out;
  out.reserve(s.size() + 8);
  for (size_t i = 0; i < s.size();) {
    bool complete = false;
    const size_t n = scan_sequence(s, i, &complete);
    if (complete) out.append(s.substr(i, n));
    else out.append("\xef\xbf\xbd");
    i += n;
  }
  return out;
}

void append_utf8(std::string& out, char32_t c) {
  if (c < 0x80) {
    out.push_back(char(c));
  } else if (c < 0x800) {
    out.push_back(char(0xc0 | (c >> 6)));
    out.push_back(char(0x80 | (c & 0x3f)));
  } else if (c < 0x10000) {
    out.push_back(char(0xe0 | (c >> 12)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(char(0x80 | (c & 0x3f)));
  } else {
    out.push_back(char(0xf0 | (c >> 18)));
    out.push_back(char(0x80 | ((c >> 12) & 0x3f)));
    out.push_back(char(0x80 | ((c >> 6) & 0x3f)));
    out.push_back(char(0x80 | (c & 0x3f)));
  }
}

}  // namespace rlvr
