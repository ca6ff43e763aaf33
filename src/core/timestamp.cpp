#include "core/timestamp.hpp"

namespace agg {

namespace {

// Reads `count` decimal digits at `pos`; false if any is not a digit.
bool digits(std::string_view s, size_t pos, size_t count, int& out) {
  if (pos + count > s.size())
    return false;
  out = 0;
  for (size_t i = pos; i < pos + count; ++i) {
    if (s[i] < '0' || s[i] > '9')
      return false;
    out = out * 10 + (s[i] - '0');
  }
  return true;
}

bool is_leap(int year) {
  return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0;
}

int days_in_month(int year, int month) {
  static constexpr int days[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
  return month == 2 && is_leap(year) ? 29 : days[month - 1];
}

// Longest fraction we accept; beyond nanoseconds nobody has real precision, and an
// unbounded run of digits is only a way to make the field huge.
constexpr size_t max_fraction_digits = 18;

} // namespace

bool is_rfc3339_timestamp(std::string_view s) {
  int year, month, day, hour, minute, second;
  if (!digits(s, 0, 4, year) || s.size() < 20 || s[4] != '-' || !digits(s, 5, 2, month)
      || s[7] != '-' || !digits(s, 8, 2, day) || (s[10] != 'T' && s[10] != 't')
      || !digits(s, 11, 2, hour) || s[13] != ':' || !digits(s, 14, 2, minute) || s[16] != ':'
      || !digits(s, 17, 2, second))
    return false;
  if (month < 1 || month > 12 || day < 1 || day > days_in_month(year, month) || hour > 23
      || minute > 59 || second > 60)
    return false;
  size_t pos = 19;
  if (s[pos] == '.') {
    size_t start = ++pos;
    while (pos < s.size() && s[pos] >= '0' && s[pos] <= '9')
      ++pos;
    if (pos == start || pos - start > max_fraction_digits)
      return false;
  }
  if (pos >= s.size())
    return false;
  if (s[pos] == 'Z' || s[pos] == 'z')
    return pos + 1 == s.size();
  int off_hour, off_minute;
  return (s[pos] == '+' || s[pos] == '-') && pos + 6 == s.size() && digits(s, pos + 1, 2, off_hour)
         && s[pos + 3] == ':' && digits(s, pos + 4, 2, off_minute) && off_hour <= 23
         && off_minute <= 59;
}

} // namespace agg
