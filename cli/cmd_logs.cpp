// `rlvr logs summary|show|diff|report RUN_DIR`: reading a run directory (rollouts.jsonl
// streamed, so logs of any size work, also while the run is still writing them).
#include <sys/ioctl.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <iostream>

#include "cli/args.h"
#include "cli/commands.h"
#include "common/error.h"
#include "runlog/print.h"
#include "runlog/report.h"
#include "runlog/select.h"
#include "runlog/summary.h"

namespace rlvr::cli {
namespace {

using namespace rlvr::runlog;

const char* kUsage =
    "rlvr logs summary RUN_DIR\n"
    "       rlvr logs show RUN_DIR [--step N|A:B] [--prompt ID] [--status S] [--verifier NAME]\n"
    "            [--min-reward X] [--max-reward X] [--grep REGEX] [--sort reward|length|step] [--reverse]\n"
    "            [--limit N (default 20, 0 = all)] [--json] [--group ID] [--color auto|always|never] [--width N]\n"
    "       rlvr logs diff RUN_DIR --step A --step B --prompt ID\n"
    "       rlvr logs report RUN_DIR [-o report.html] [--max-samples N]";

void print_problems(const ReadProblems& p) {
  if (p.partial_last_line) std::cerr << "note: " << p.path << ": incomplete last line skipped (run still writing?)\n";
  if (p.bad_lines == 0) return;
  std::cerr << "warning: " << p.bad_lines << " bad line(s) skipped in " << p.path << "\n";
  for (const std::string& m : p.messages) std::cerr << "  " << m << "\n";
}

Style terminal_style(const Args& args) {
  Style style;
  const std::string colour = args.get_or("--color", "auto");
  RLVR_CHECK(colour == "auto" || colour == "always" || colour == "never", "cli",
             "--color must be auto, always or never, got '", colour, "'");
  const bool tty = isatty(STDOUT_FILENO) == 1;
  const char* term = std::getenv("TERM");
  style.colour = colour == "always" ||
                 (colour == "auto" && tty && !std::getenv("NO_COLOR") && !(term && std::string(term) == "dumb"));
  struct winsize size {};
  if (tty && ioctl(STDOUT_FILENO, TIOCGWINSZ, &size) == 0 && size.ws_col > 20) style.width = size.ws_col;
  else if (const char* columns = std::getenv("COLUMNS"); columns && std::atoi(columns) > 20) style.width = std::atoi(columns);
  long width = args.get_int("--width", static_cast<long>(style.width));
  RLVR_CHECK(width >= 20 && width <= 1000, "cli", "--width must be 20..1000, got ", width);
  style.width = static_cast<size_t>(width);
  return style;
}

std::string run_path(const Args& args) {
  RLVR_CHECK(args.positionals().size() == 1, "cli", "expected one RUN_DIR, got ", args.positionals().size(),
             " arguments\nusage: ", kUsage);
  return args.positionals()[0];
}

int logs_summary(const std::vector<std::string>& argv) {
  Args args(argv, {});
  Summary summary = summarize(run_path(args));
  print_summary(summary, std::cout);
  return 0;
}

SampleFilter filter_from(const Args& args) {
  SampleFilter f;
  if (auto step = args.get("--step")) f.steps = parse_step_range(*step);
  if (args.has("--prompt")) f.prompt_id = args.get_int("--prompt", 0);
  f.status = args.get_or("--status", "");
  f.verifier = args.get_or("--verifier", "");
  f.min_reward = args.get_double("--min-reward", -INFINITY);
  f.max_reward = args.get_double("--max-reward", INFINITY);
  RLVR_CHECK(f.min_reward <= f.max_reward, "cli", "--min-reward is above --max-reward");
  if (auto grep = args.get("--grep")) f.grep = std::make_shared<Regex>(*grep);
  return f;
}

int logs_show(const std::vector<std::string>& argv) {
  Args args(argv,
            {"--step", "--prompt", "--status", "--verifier", "--min-reward", "--max-reward", "--grep", "--limit",
             "--sort", "--group", "--color", "--width"},
            {"--json", "--reverse"});
  RunDir run = open_run_dir(run_path(args));
  SampleFilter filter = filter_from(args);
  Style style = terminal_style(args);
  SortKey sort = args.has("--sort") ? parse_sort_key(*args.get("--sort")) : SortKey::kNone;
  long limit = args.get_int("--limit", 20);
  RLVR_CHECK(limit >= 0, "cli", "--limit must be 0 (all) or more, got ", limit);

  if (args.has("--group")) {
    RLVR_CHECK(!args.has("--prompt"), "cli", "--group ID already names the prompt; drop --prompt");
    filter.prompt_id = args.get_int("--group", 0);
    Selection s = select_samples(run, filter, SortKey::kStep);
    print_problems(s.problems);
    check_filter_values(filter, s);
    RLVR_CHECK(!s.samples.empty(), "cli", "no samples of prompt ", *filter.prompt_id, " match (",
               s.scanned, " scanned)");
    const long step = s.samples.back().step;  // the latest step that has this prompt
    std::vector<Rollout> group;
    for (Rollout& r : s.samples)
      if (r.step == step) group.push_back(std::move(r));
    print_group(std::cout, std::move(group), style);
    return 0;
  }

  Selection s = select_samples(run, filter, sort, args.has("--reverse"), static_cast<size_t>(limit));
  check_filter_values(filter, s);
  for (const Rollout& r : s.samples) {
    if (args.has("--json"))
      std::cout << rollout_to_json(r).dump(-1, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
    else
      print_sample(std::cout, r, style);
  }
  print_problems(s.problems);
  std::cerr << s.matched << " of " << s.scanned << " samples match";
  if (static_cast<long>(s.samples.size()) < s.matched) std::cerr << ", " << s.samples.size() << " shown (--limit)";
  std::cerr << "\n";
  return 0;
}

int logs_diff(const std::vector<std::string>& argv) {
  Args args(argv, {"--step", "--prompt", "--color", "--width"});
  RunDir run = open_run_dir(run_path(args));
  std::vector<std::string> steps = args.get_all("--step");
  RLVR_CHECK(steps.size() == 2, "cli", "diff needs two steps: --step A --step B");
  const long a = parse_step_range(steps[0]).first, b = parse_step_range(steps[1]).first;
  RLVR_CHECK(parse_step_range(steps[0]).last == a && parse_step_range(steps[1]).last == b, "cli",
             "diff compares two single steps, not ranges");
  SampleFilter filter;
  filter.prompt_id = args.get_int("--prompt", -1);
  RLVR_CHECK(args.has("--prompt"), "cli", "missing required option: --prompt");
  filter.steps = StepRange{std::min(a, b), std::max(a, b)};
  Selection s = select_samples(run, filter);
  print_problems(s.problems);
  std::vector<Rollout> at_a, at_b;
  for (Rollout& r : s.samples) {
    if (r.step == a) at_a.push_back(r);
    if (r.step == b) at_b.push_back(std::move(r));
  }
  RLVR_CHECK(!at_a.empty() || !at_b.empty(), "cli", "prompt ", *filter.prompt_id, " has no samples at step ", a,
             " or step ", b);
  print_step_diff(std::cout, a, at_a, b, at_b, terminal_style(args));
  return 0;
}

int logs_report(const std::vector<std::string>& argv) {
  std::vector<std::string> renamed = argv;
  for (std::string& a : renamed)
    if (a == "-o") a = "--output";
  Args args(renamed, {"--output", "--max-samples"});
  const std::string run = run_path(args);
  ReportOptions options;
  long max_samples = args.get_int("--max-samples", static_cast<long>(options.max_samples));
  RLVR_CHECK(max_samples >= 0, "cli", "--max-samples must be 0 or more, got ", max_samples);
  options.max_samples = static_cast<size_t>(max_samples);
  const std::string output = args.get_or("--output", run + "/report.html");
  const std::string temp = output + ".tmp";
  ReportInfo info;
  {
    std::ofstream out(temp, std::ios::binary);
    RLVR_CHECK(out.good(), "cli", "cannot write '", temp, "'");
    info = write_report(run, out, options);
  }
  RLVR_CHECK(std::rename(temp.c_str(), output.c_str()) == 0, "cli", "cannot rename '", temp, "' to '", output, "'");
  print_problems(info.metrics_problems);
  print_problems(info.rollout_problems);
  std::cout << "wrote " << output << " (" << info.metrics_lines << " metrics lines, " << info.samples_included
            << " of " << info.samples_total << " samples)\n";
  return 0;
}

}  // namespace

int cmd_logs(const std::vector<std::string>& argv) {
  RLVR_CHECK(!argv.empty(), "cli", "missing a logs command\nusage: ", kUsage);
  const std::string what = argv[0];
  const std::vector<std::string> rest(argv.begin() + 1, argv.end());
  if (what == "summary") return logs_summary(rest);
  if (what == "show") return logs_show(rest);
  if (what == "diff") return logs_diff(rest);
  if (what == "report") return logs_report(rest);
  RLVR_FAIL("cli", "unknown logs command", "'", what, "' (use summary, show, diff or report)\nusage: ", kUsage);
}

}  // namespace rlvr::cli
