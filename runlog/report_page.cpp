// The HTML, CSS and JavaScript of the report page. The data arrives as JSON in a
// <script type="application/json"> element; every piece of it reaches the page through
// textContent or SVG attributes, never innerHTML, so completions cannot inject markup.
#include "runlog/report.h"

namespace rlvr::runlog {
namespace {

const char* kHead = R"HTML(<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>)HTML";

const char* kStyle = R"HTML(</title>
<style>
body { font: 14px/1.4 system-ui, sans-serif; margin: 16px 24px; color: #1d2430; background: #fafbfc; }
h1 { font-size: 20px; margin: 0 0 4px; } h2 { font-size: 16px; margin: 24px 0 8px; }
#config { color: #555; font-size: 12px; } #config span { margin-right: 14px; white-space: nowrap; }
#plots, #status-plots { display: flex; flex-wrap: wrap; gap: 12px; }
.plot-box { background: #fff; border: 1px solid #dde1e6; border-radius: 6px; padding: 6px 8px; }
.plot-title { font-weight: 600; font-size: 13px; }
.legend span { font-size: 11px; margin-right: 10px; } .legend i { display: inline-block; width: 10px; height: 10px; margin-right: 3px; }
svg text { font-size: 10px; fill: #555; }
#problems { color: #a33; white-space: pre-wrap; font-size: 12px; }
#filters { display: flex; flex-wrap: wrap; gap: 10px; align-items: center; margin-bottom: 8px; }
#filters input, #filters select { font-size: 13px; padding: 2px 4px; }
table { border-collapse: collapse; width: 100%; background: #fff; font-size: 13px; }
th, td { border-bottom: 1px solid #e4e7eb; padding: 3px 6px; text-align: left; vertical-align: top; }
tr.sample { cursor: pointer; } tr.sample:hover { background: #f2f6fb; }
td.num { text-align: right; font-variant-numeric: tabular-nums; }
.st-correct { color: #1a7f37; } .st-wrong { color: #c62828; } .st-other { color: #b26a00; }
.preview { color: #444; max-width: 640px; overflow: hidden; text-overflow: ellipsis; white-space: nowrap; }
tr.detail td { background: #f7f8fa; }
pre { white-space: pre-wrap; word-break: break-word; margin: 2px 0 8px; font: 12px/1.35 ui-monospace, monospace; background: #fff; border: 1px solid #e4e7eb; padding: 6px; }
#pager button { margin: 0 6px; }
</style>
</head>
<body>
<h1 id="title"></h1>
<div id="config"></div>
<div id="problems"></div>
<h2>Metrics per step</h2>
<div id="plots"></div>
<h2>Verifier statuses per step</h2>
<div id="status-plots"></div>
<h2>Samples</h2>
<div id="filters">
  <label>step <input id="f-step" size="8" placeholder="12 or 10:20"></label>
  <label>prompt <input id="f-prompt" size="6"></label>
  <label>verifier <select id="f-verifier"><option value="">any</option></select></label>
  <label>status <select id="f-status"><option value="">any</option></select></label>
  <label>reward &ge; <input id="f-min" size="5"></label>
  <label>reward &le; <input id="f-max" size="5"></label>
  <label>text <input id="f-text" size="20" placeholder="substring or /regex/"></label>
  <label>sort <select id="f-sort"><option value="">log order</option><option value="reward">reward &uarr;</option><option value="-reward">reward &darr;</option><option value="length">length &uarr;</option><option value="-length">length &darr;</option></select></label>
  <span id="match-count"></span>
</div>
<table id="samples">
<thead><tr><th>step</th><th>prompt</th><th>#</th><th>reward</th><th>adv.</th><th>tokens</th><th>finish</th><th>statuses</th><th>completion</th></tr></thead>
<tbody id="rows"></tbody>
</table>
<div id="pager"><button id="prev">&larr; prev</button><span id="page"></span><button id="next">next &rarr;</button></div>
<pre id="js-errors" hidden></pre>
<script>
window.addEventListener('error', function (e) {
  var box = document.getElementById('js-errors');
  box.hidden = false;
  box.textContent += 'JS-ERROR: ' + e.message + ' (line ' + e.lineno + ')\n';
  document.body.setAttribute('data-js-error', '1');
});
</script>
<script type="application/json" id="run-data">)HTML";

const char* kScript = R"HTML(</script>
<script>
(function () {
'use strict';
var data = JSON.parse(document.getElementById('run-data').textContent);
var SVGNS = 'http://www.w3.org/2000/svg';
var COLORS = ['#1f77b4', '#ff7f0e', '#2ca02c', '#d62728', '#9467bd', '#8c564b'];
var STATUS_COLORS = { correct: '#2e9d4f', wrong: '#d64545', no_answer: '#9aa0a6', timeout: '#e8a33d', error: '#7b3fa0' };
var PAGE = 200;

function el(tag, attrs, text) {
  var node = document.createElement(tag);
  for (var k in attrs || {}) node.setAttribute(k, attrs[k]);
  if (text !== undefined) node.textContent = text;
  return node;
}
function svg(tag, attrs) {
  var node = document.createElementNS(SVGNS, tag);
  for (var k in attrs) node.setAttribute(k, attrs[k]);
  return node;
}
function fmt(x, digits) {
  if (x === null || x === undefined || isNaN(x)) return '-';
  var a = Math.abs(x);
  if (a !== 0 && (a >= 1e5 || a < 1e-3)) return x.toExponential(2);
  return (+x).toFixed(digits === undefined ? 3 : digits);
}
function statusClass(s) { return s === 'correct' ? 'st-correct' : s === 'wrong' ? 'st-wrong' : 'st-other'; }

document.getElementById('title').textContent = 'rlvr run ' + data.run;
data.config.forEach(function (kv) { document.getElementById('config').appendChild(el('span', {}, kv[0] + ' = ' + kv[1])); });
data.problems.forEach(function (p) {
  var box = document.getElementById('problems');
  if (p.bad_lines > 0) box.textContent += p.bad_lines + ' bad line(s) skipped in ' + p.path + '\n' + p.messages.join('\n') + '\n';
  if (p.partial_last_line) box.textContent += p.path + ': incomplete last line skipped (run still writing?)\n';
});

// Axis ticks at round values (1, 2, 2.5 or 5 times a power of ten), about n of them over
// [lo, hi], with the decimals their spacing needs: {lo, hi, values, digits}.
function niceTicks(lo, hi, n) {
  var raw = (hi - lo) / n, mag = Math.pow(10, Math.floor(Math.log10(raw)));
  var step = [1, 2, 2.5, 5, 10].map(function (f) { return f * mag; }).filter(function (v) { return v >= raw; })[0];
  var first = Math.floor(lo / step) * step, last = Math.ceil(hi / step) * step, values = [];
  for (var v = first; v <= last + step / 2; v += step) values.push(Math.abs(v) < step / 2 ? 0 : v);
  var digits = Math.max(0, -Math.floor(Math.log10(step) + 1e-9) + (step / mag === 2.5 ? 1 : 0));
  return { lo: first, hi: last, values: values, digits: digits };
}
function tickLabel(v, digits) {
  var a = Math.abs(v);
  if (a === 0) return '0';
  if (a >= 1e6 || (a !== 0 && a < 1e-4)) return v.toExponential(1);
  return v.toFixed(digits);
}

// series: [{label, points: [[step, value], ...]}]
function linePlot(title, series) {
  var W = 430, H = 210, R = 10, T = 10, B = 26;
  var xs = [], ys = [];
  series.forEach(function (s) { s.points.forEach(function (p) { xs.push(p[0]); ys.push(p[1]); }); });
  var x0 = Math.min.apply(null, xs), x1 = Math.max.apply(null, xs);
  var y0 = Math.min.apply(null, ys), y1 = Math.max.apply(null, ys);
  if (x0 === x1) { x0 -= 1; x1 += 1; }
  if (y0 === y1) { var pad = Math.abs(y0) * 0.1 || 1; y0 -= pad; y1 += pad; }
  var ticks = niceTicks(y0, y1, 4);
  y0 = ticks.lo; y1 = ticks.hi;
  var labels = ticks.values.map(function (v) { return tickLabel(v, ticks.digits); });
  var L = Math.max(40, 10 + 7 * Math.max.apply(null, labels.map(function (t) { return t.length; })));
  var sx = function (x) { return L + (x - x0) / (x1 - x0) * (W - L - R); };
  var sy = function (y) { return T + (1 - (y - y0) / (y1 - y0)) * (H - T - B); };
  var box = el('div', { 'class': 'plot-box' });
  box.appendChild(el('div', { 'class': 'plot-title' }, title));
  var s = svg('svg', { width: W, height: H, 'class': 'plot', 'data-title': title });
  ticks.values.forEach(function (y, i) {
    s.appendChild(svg('line', { x1: L, x2: W - R, y1: sy(y), y2: sy(y), stroke: '#eceff3' }));
    var label = svg('text', { x: L - 4, y: sy(y) + 3, 'text-anchor': 'end', 'class': 'ytick', 'data-value': y });
    label.textContent = labels[i];
    s.appendChild(label);
  });
  [x0, x1].forEach(function (x, k) {
    var t = svg('text', { x: sx(x), y: H - 8, 'text-anchor': k ? 'end' : 'start' });
    t.textContent = 'step ' + Math.round(x);
    s.appendChild(t);
  });
  series.forEach(function (ser, k) {
    var d = ser.points.map(function (p) { return sx(p[0]).toFixed(1) + ',' + sy(p[1]).toFixed(1); }).join(' ');
    var color = COLORS[k % COLORS.length];
    s.appendChild(svg('polyline', { points: d, fill: 'none', stroke: color, 'stroke-width': 1.5, 'class': 'series' }));
    if (ser.points.length <= 300) ser.points.forEach(function (p) {
      var c = svg('circle', { cx: sx(p[0]), cy: sy(p[1]), r: 2, fill: color });
      var tip = svg('title', {});
      tip.textContent = ser.label + ' at step ' + p[0] + ': ' + fmt(p[1], 4);
      c.appendChild(tip);
      s.appendChild(c);
    });
  });
  box.appendChild(s);
  var legend = el('div', { 'class': 'legend' });
  series.forEach(function (ser, k) {
    var item = el('span', {});
    item.appendChild(el('i', { style: 'background:' + COLORS[k % COLORS.length] }));
    item.appendChild(document.createTextNode(ser.label));
    legend.appendChild(item);
  });
  box.appendChild(legend);
  return box;
}

function metricSeries(key, phases) {
  var points = [];
  data.metrics.forEach(function (m) {
    if (phases.indexOf(m.phase) < 0 || typeof m[key] !== 'number' || typeof m.step !== 'number') return;
    points.push([m.step, m[key]]);
  });
  if (points.length === 0 && phases.indexOf('rl') >= 0) {  // no metrics yet: what the samples say
    data.sample_steps.forEach(function (r) { if (typeof r[key] === 'number') points.push([r.step, r[key]]); });
  }
  return points;
}

var PLOTS = [
  ['Reward (mean)', [['reward_mean', ['rl']], ['eval_reward_mean', ['eval']]]],
  ['Accuracy', [['accuracy', ['rl']], ['eval_accuracy', ['eval']]]],
  ['KL', [['kl', ['rl']]]],
  ['Entropy', [['entropy', ['rl']]]],
  ['Clip fraction', [['clip_frac', ['rl']]]],
  ['Response length (tokens)', [['response_len_mean', ['rl']]]],
  ['Rollout/learner logprob mismatch', [['mismatch_mean', ['rl']], ['mismatch_max', ['rl']]]],
  ['Route agreement (learner top-k = rollout)', [['route_agreement', ['rl']]]],
  ['Rollout correction: KL(rollout || learner)', [['rollout_kl', ['rl']]]],
  ['Rollout correction: ratios outside [0.5, 2], masked', [['rollout_ratio_outside', ['rl']], ['rollout_masked_frac', ['rl']]]],
  ['Rollout correction: largest ratio', [['rollout_ratio_max', ['rl']]]],
  ['Throughput (tokens/s)', [['tokens_per_s', ['sft']], ['tokens_per_s', ['rl']]]],
  ['Loss', [['loss', ['sft']], ['loss', ['rl']]]],
  ['Reward std', [['reward_std', ['rl']]]],
  ['Grad norm', [['grad_norm', ['sft']], ['grad_norm', ['rl']]]],
  ['Learning rate', [['lr', ['sft']], ['lr', ['rl']]]],
  ['Time per step (s)', [['time_rollout_s', ['rl']], ['time_reward_s', ['rl']], ['time_learner_s', ['rl']]]],
  ['Groups dropped, prompts drawn', [['groups_dropped', ['rl']], ['prompts_drawn', ['rl']]]]
];
var plotCount = 0;
PLOTS.forEach(function (plot) {
  var series = [];
  plot[1].forEach(function (spec) {
    var pts = metricSeries(spec[0], spec[1]);
    var shared = plot[1].filter(function (other) { return other[0] === spec[0]; }).length > 1;
    if (pts.length) series.push({ label: spec[0] + (shared ? ' (' + spec[1].join('+') + ')' : ''), points: pts });
  });
  if (!series.length) return;
  document.getElementById('plots').appendChild(linePlot(plot[0], series));
  plotCount++;
});

// Any other numeric metric the trainer writes gets a plot of its own, after the known ones.
var plotted = { step: 1, time_s: 1 };
PLOTS.forEach(function (plot) { plot[1].forEach(function (spec) { plotted[spec[0]] = 1; }); });
var extraKeys = {};
data.metrics.forEach(function (m) {
  Object.keys(m).forEach(function (k) { if (!plotted[k] && typeof m[k] === 'number') extraKeys[k] = 1; });
});
Object.keys(extraKeys).sort().forEach(function (key) {
  var series = [];
  ['sft', 'rl', 'eval'].forEach(function (phase) {
    var pts = metricSeries(key, [phase]);
    if (pts.length) series.push({ label: key + ' (' + phase + ')', points: pts });
  });
  if (!series.length) return;
  document.getElementById('plots').appendChild(linePlot(key, series));
  plotCount++;
});

// Status counts per verifier over steps: stacked fractions, from the samples, else the metrics.
function statusByVerifier() {
  var out = {};
  var add = function (step, counts) {
    Object.keys(counts).forEach(function (v) {
      out[v] = out[v] || {};
      out[v][step] = counts[v];
    });
  };
  data.sample_steps.forEach(function (r) { add(r.step, r.status_counts); });
  if (!Object.keys(out).length) data.metrics.forEach(function (m) { if (m.status_counts) add(m.step, m.status_counts); });
  return out;
}
var statusPlots = 0;
var byVerifier = statusByVerifier();
Object.keys(byVerifier).sort().forEach(function (verifier) {
  var perStep = byVerifier[verifier];
  var steps = Object.keys(perStep).map(Number).sort(function (a, b) { return a - b; });
  var statuses = {};
  steps.forEach(function (st) { Object.keys(perStep[st]).forEach(function (s) { statuses[s] = 1; }); });
  var order = ['correct', 'wrong', 'no_answer', 'timeout', 'error'].filter(function (s) { return statuses[s]; })
      .concat(Object.keys(statuses).filter(function (s) { return !STATUS_COLORS[s]; }).sort());
  var W = 430, H = 170, L = 36, R = 10, T = 8, B = 22;
  var box = el('div', { 'class': 'plot-box' });
  box.appendChild(el('div', { 'class': 'plot-title' }, verifier));
  var s = svg('svg', { width: W, height: H, 'class': 'plot status-plot', 'data-title': verifier });
  var bw = (W - L - R) / steps.length;
  steps.forEach(function (st, i) {
    var counts = perStep[st], total = 0, acc = 0;
    order.forEach(function (k) { total += counts[k] || 0; });
    order.forEach(function (k, j) {
      var n = counts[k] || 0;
      if (!n) return;
      var h = n / total * (H - T - B);
      var r = svg('rect', { x: L + i * bw, y: T + acc, width: Math.max(bw - 0.5, 0.5), height: h,
                            fill: STATUS_COLORS[k] || COLORS[j % COLORS.length] });
      var tip = svg('title', {});
      tip.textContent = 'step ' + st + ': ' + k + ' ' + n + ' of ' + total;
      r.appendChild(tip);
      s.appendChild(r);
      acc += h;
    });
  });
  [0, 0.5, 1].forEach(function (f) {
    var t = svg('text', { x: L - 4, y: T + (1 - f) * (H - T - B) + 3, 'text-anchor': 'end' });
    t.textContent = Math.round(f * 100) + '%';
    s.appendChild(t);
  });
  [0, steps.length - 1].forEach(function (i, k) {
    var t = svg('text', { x: k ? W - R : L, y: H - 6, 'text-anchor': k ? 'end' : 'start' });
    t.textContent = 'step ' + steps[i];
    s.appendChild(t);
  });
  box.appendChild(s);
  var legend = el('div', { 'class': 'legend' });
  order.forEach(function (k, j) {
    var item = el('span', {});
    item.appendChild(el('i', { style: 'background:' + (STATUS_COLORS[k] || COLORS[j % COLORS.length]) }));
    item.appendChild(document.createTextNode(k));
    legend.appendChild(item);
  });
  box.appendChild(legend);
  document.getElementById('status-plots').appendChild(box);
  statusPlots++;
});

// The sample table.
var samples = data.samples;
var verifiers = {}, statusesSeen = {};
samples.forEach(function (r) { r.verdicts.forEach(function (v) { verifiers[v.verifier] = 1; statusesSeen[v.status] = 1; }); });
Object.keys(verifiers).sort().forEach(function (v) { document.getElementById('f-verifier').appendChild(el('option', { value: v }, v)); });
Object.keys(statusesSeen).sort().forEach(function (v) { document.getElementById('f-status').appendChild(el('option', { value: v }, v)); });
var page = 0, matched = samples;

function value(id) { return document.getElementById(id).value.trim(); }
function currentFilter() {
  var f = { verifier: value('f-verifier'), status: value('f-status') };
  var step = value('f-step');
  if (step) {
    var m = step.match(/^(-?\d*)\s*(?::|\.\.)\s*(-?\d*)$/);
    if (m) { f.stepLo = m[1] === '' ? -Infinity : +m[1]; f.stepHi = m[2] === '' ? Infinity : +m[2]; }
    else { f.stepLo = f.stepHi = +step; }
  }
  if (value('f-prompt') !== '') f.prompt = +value('f-prompt');
  if (value('f-min') !== '') f.min = +value('f-min');
  if (value('f-max') !== '') f.max = +value('f-max');
  var text = value('f-text');
  if (text.length > 2 && text[0] === '/' && text[text.length - 1] === '/') {
    try { f.regex = new RegExp(text.slice(1, -1)); } catch (e) { f.badRegex = e.message; }
  } else if (text) {
    f.text = text;
  }
  return f;
}
function matches(r, f) {
  if (f.stepLo !== undefined && !(r.step >= f.stepLo && r.step <= f.stepHi)) return false;
  if (f.prompt !== undefined && r.prompt_id !== f.prompt) return false;
  if (f.min !== undefined && !(r.reward >= f.min)) return false;
  if (f.max !== undefined && !(r.reward <= f.max)) return false;
  if (f.verifier || f.status) {
    var ok = r.verdicts.some(function (v) {
      return (!f.verifier || v.verifier === f.verifier) && (!f.status || v.status === f.status);
    });
    if (!ok) return false;
  }
  if (f.regex && !f.regex.test(r.completion)) return false;
  if (f.text && r.completion.indexOf(f.text) < 0 && r.prompt.indexOf(f.text) < 0) return false;
  return true;
}
function detailRow(r) {
  var tr = el('tr', { 'class': 'detail' });
  var td = el('td', { colspan: 9 });
  td.appendChild(el('b', {}, 'prompt'));
  td.appendChild(el('pre', { 'class': 'prompt' }, r.prompt));
  td.appendChild(el('b', {}, 'completion'));
  td.appendChild(el('pre', { 'class': 'completion' }, r.completion));
  if (r.answer !== undefined) td.appendChild(el('div', {}, 'gold answer: ' + r.answer));
  r.verdicts.forEach(function (v) {
    var line = el('div', {});
    line.appendChild(document.createTextNode(v.verifier + ' (weight ' + fmt(v.weight, 2) + ', reward ' + fmt(v.reward) + '): '));
    line.appendChild(el('span', { 'class': statusClass(v.status) }, v.status));
    line.appendChild(document.createTextNode(' \u2014 ' + v.detail));
    td.appendChild(line);
  });
  td.appendChild(el('div', {}, 'logprob rollout ' + fmt(r.rollout_logprob) + ', learner ' + fmt(r.learner_logprob) +
                                ' \u00b7 prompt tokens ' + r.prompt_tokens + ' \u00b7 log line ' + r.line));
  tr.appendChild(td);
  return tr;
}
function render() {
  var body = document.getElementById('rows');
  while (body.firstChild) body.removeChild(body.firstChild);
  var pages = Math.max(1, Math.ceil(matched.length / PAGE));
  page = Math.min(page, pages - 1);
  matched.slice(page * PAGE, (page + 1) * PAGE).forEach(function (r) {
    var tr = el('tr', { 'class': 'sample' });
    [r.step, r.prompt_id, r.sample_index].forEach(function (x) { tr.appendChild(el('td', { 'class': 'num' }, String(x))); });
    tr.appendChild(el('td', { 'class': 'num' }, fmt(r.reward)));
    tr.appendChild(el('td', { 'class': 'num' }, fmt(r.advantage)));
    tr.appendChild(el('td', { 'class': 'num' }, String(r.completion_tokens)));
    tr.appendChild(el('td', {}, r.finish_reason));
    var st = el('td', {});
    r.verdicts.forEach(function (v) { st.appendChild(el('div', { 'class': statusClass(v.status) }, v.verifier + ': ' + v.status)); });
    tr.appendChild(st);
    tr.appendChild(el('td', { 'class': 'preview' }, r.completion.slice(0, 160)));
    var open = null;
    tr.addEventListener('click', function () {
      if (open) { open.remove(); open = null; } else { open = detailRow(r); tr.after(open); }
    });
    body.appendChild(tr);
  });
  document.getElementById('page').textContent = 'page ' + (page + 1) + ' of ' + pages;
  document.getElementById('match-count').textContent = matched.length + ' of ' + samples.length + ' samples shown' +
      (data.samples_total > samples.length ? ' (the last ' + samples.length + ' of ' + data.samples_total + ' in the log)' : '');
  document.body.setAttribute('data-rows', String(body.querySelectorAll('tr.sample').length));
}
function refilter() {
  var f = currentFilter();
  document.getElementById('f-text').style.background = f.badRegex ? '#fdd' : '';
  matched = samples.filter(function (r) { return matches(r, f); });
  var sort = value('f-sort');
  if (sort) {
    var key = sort.replace('-', ''), sign = sort[0] === '-' ? -1 : 1;
    var get = key === 'reward' ? function (r) { return r.reward === null ? -Infinity : r.reward; }
                               : function (r) { return r.completion_tokens; };
    matched = matched.slice().sort(function (a, b) { return sign * (get(a) - get(b)) || a.line - b.line; });
  }
  page = 0;
  render();
}
['f-step', 'f-prompt', 'f-min', 'f-max', 'f-text'].forEach(function (id) { document.getElementById(id).addEventListener('input', refilter); });
['f-verifier', 'f-status', 'f-sort'].forEach(function (id) { document.getElementById(id).addEventListener('change', refilter); });
document.getElementById('prev').addEventListener('click', function () { if (page > 0) { page--; render(); } });
document.getElementById('next').addEventListener('click', function () { page++; render(); });
refilter();
document.body.setAttribute('data-plots', String(plotCount));
document.body.setAttribute('data-status-plots', String(statusPlots));
// Read by the browser test: y tick labels that are clipped, out of order or not their value.
var axisProblems = 0;
Array.prototype.forEach.call(document.querySelectorAll('svg.plot'), function (plot) {
  var ticks = Array.prototype.slice.call(plot.querySelectorAll('text.ytick'));
  ticks.forEach(function (t, i) {
    var value = +t.getAttribute('data-value'), shown = parseFloat(t.textContent);
    if (t.getBBox().x < 0) axisProblems++;
    if (!(Math.abs(shown - value) <= 0.05 * Math.abs(value) + 1e-12)) axisProblems++;
    if (i > 0 && !(+t.getAttribute('y') < +ticks[i - 1].getAttribute('y'))) axisProblems++;
  });
});
document.body.setAttribute('data-axis-problems', String(axisProblems));
document.body.setAttribute('data-rendered', 'ok');
})();
</script>
</body>
</html>
)HTML";

}  // namespace

std::string report_page(const std::string& title, const std::string& data_json) {
  std::string page;
  page.reserve(data_json.size() + 32768);
  page += kHead;
  page += title;
  page += kStyle;
  page += data_json;
  page += kScript;
  return page;
}

}  // namespace rlvr::runlog
