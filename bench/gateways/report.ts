// Turns the samples of all rounds into medians (with min–max), paired ratios, a markdown report and
// one SVG chart per query.
import type { Sample } from './measure';

export const CONTENDERS = ['ours', 'ours-unprotected', 'baseline', 'hive-jit', 'hive', 'limit'] as const;
export type Contender = (typeof CONTENDERS)[number];

export const LABELS: Record<Contender, string> = {
  ours: 'ours (protections on)',
  'ours-unprotected': 'ours (protections off)',
  baseline: 'baseline (BENCH_BASELINE)',
  'hive-jit': 'Hive Gateway --jit',
  hive: 'Hive Gateway',
  limit: 'limit (replayed calls)',
};

/** samples[query][contender][round] */
export type Samples = Record<string, Partial<Record<Contender, Sample[]>>>;

interface Spread { median: number; min: number; max: number }

const median = (values: number[]): number => {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = Math.floor(sorted.length / 2);
  return sorted.length % 2 ? sorted[mid] : (sorted[mid - 1] + sorted[mid]) / 2;
};
const spread = (values: number[]): Spread => ({ median: median(values), min: Math.min(...values), max: Math.max(...values) });

const fmt = (n: number, digits = 0) => n.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits });
const percent = (fraction: number) => `${(fraction * 100).toFixed(1)}%`;
const cell = (s: Spread, digits = 0) => `${fmt(s.median, digits)} (${fmt(s.min, digits)}–${fmt(s.max, digits)})`;

/** The median over rounds of a/b, each round compared with itself (the runs of a round are side by side). */
function pairedRatio(a: Sample[] | undefined, b: Sample[] | undefined, metric: keyof Sample): Spread | null {
  if (!a || !b || a.length !== b.length) return null;
  return spread(a.map((sample, round) => sample[metric] / b[round][metric]));
}

export function figuresTable(samples: Samples, titles: Record<string, string>): string {
  const lines: string[] = [];
  for (const [query, byContender] of Object.entries(samples)) {
    lines.push(`#### ${titles[query]}`, '', '| gateway | requests/s | p50 ms | p99 ms | CPU ms / request | peak RSS MiB | subgraphs CPU ms / request |', '|---|---:|---:|---:|---:|---:|---:|');
    for (const contender of CONTENDERS) {
      const runs = byContender[contender];
      if (!runs) continue;
      const of = (metric: keyof Sample) => spread(runs.map((r) => r[metric]));
      lines.push(`| ${LABELS[contender]} | ${cell(of('rps'))} | ${cell(of('p50Ms'), 1)} | ${cell(of('p99Ms'), 1)} | ${cell(of('cpuMsPerRequest'), 2)} | ${cell(of('peakRssMiB'))} | ${cell(of('subgraphCpuMsPerRequest'), 2)} |`);
    }
    lines.push('');
  }
  return lines.join('\n');
}

export function ratioTable(samples: Samples): string {
  // The median of the rounds' ratios, and their least and greatest.
  const ratio = (value: Spread | null) => (value === null ? '–' : `${value.median.toFixed(2)}× (${value.min.toFixed(2)}–${value.max.toFixed(2)})`);
  const cost = (value: Spread | null) => (value === null ? '–' : `${percent(1 - value.median)} (${percent(1 - value.max)} to ${percent(1 - value.min)})`);
  const lines = [
    '| query | ours / Hive --jit (req/s) | ours / Hive (req/s) | ours / limit (req/s) | ours / limit (CPU per request) | protections cost (req/s) | ours / baseline (CPU per request) |',
    '|---|---:|---:|---:|---:|---:|---:|',
  ];
  for (const [query, s] of Object.entries(samples)) {
    lines.push(`| ${query} | ${ratio(pairedRatio(s.ours, s['hive-jit'], 'rps'))} | ${ratio(pairedRatio(s.ours, s.hive, 'rps'))} | ${ratio(pairedRatio(s.ours, s.limit, 'rps'))} | ${ratio(pairedRatio(s.ours, s.limit, 'cpuMsPerRequest'))} | ${cost(pairedRatio(s.ours, s['ours-unprotected'], 'rps'))} | ${ratio(pairedRatio(s.ours, s.baseline, 'cpuMsPerRequest'))} |`);
  }
  return lines.join('\n');
}

/** Two panels: requests per second and CPU per request, medians as bars, min–max as whiskers. */
export function chart(title: string, byContender: Partial<Record<Contender, Sample[]>>): string {
  const rows = CONTENDERS.filter((c) => byContender[c]).map((c) => ({
    label: LABELS[c],
    rps: spread(byContender[c]!.map((s) => s.rps)),
    cpu: spread(byContender[c]!.map((s) => s.cpuMsPerRequest)),
    ours: c.startsWith('ours'),
  }));
  const labelWidth = 190; const panelWidth = 300; const rowHeight = 26; const top = 48;
  const width = labelWidth + 2 * panelWidth + 60;
  const height = top + rows.length * rowHeight + 30;
  const esc = (text: string) => text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/`/g, '');
  const panel = (x0: number, heading: string, pick: (r: (typeof rows)[number]) => Spread, digits: number) => {
    const max = Math.max(...rows.map((r) => pick(r).max)) * 1.1;
    const scale = (v: number) => x0 + (v / max) * (panelWidth - 20);
    const parts = [`<text x="${x0}" y="${top - 10}" font-weight="bold">${heading}</text>`];
    rows.forEach((r, i) => {
      const y = top + i * rowHeight;
      const s = pick(r);
      parts.push(
        `<rect x="${x0}" y="${y + 4}" width="${(scale(s.median) - x0).toFixed(1)}" height="${rowHeight - 10}" fill="${r.ours ? '#2f6fb0' : '#9aa5b1'}"/>`,
        `<line x1="${scale(s.min).toFixed(1)}" x2="${scale(s.max).toFixed(1)}" y1="${y + rowHeight / 2}" y2="${y + rowHeight / 2}" stroke="#222"/>`,
        `<text x="${(scale(s.max) + 4).toFixed(1)}" y="${y + rowHeight / 2 + 4}" font-size="11">${fmt(s.median, digits)}</text>`,
      );
    });
    return parts.join('');
  };
  return [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="10" y="20" font-size="14" font-weight="bold">${esc(title)}</text>`,
    ...rows.map((r, i) => `<text x="10" y="${top + i * rowHeight + rowHeight / 2 + 4}">${esc(r.label)}</text>`),
    panel(labelWidth, 'requests / s (higher is better)', (r) => r.rps, 0),
    panel(labelWidth + panelWidth + 30, 'CPU ms / request (lower is better)', (r) => r.cpu, 2),
    `<text x="10" y="${height - 8}" font-size="10" fill="#555">bars: median of the rounds; lines: min–max</text>`,
    '</svg>',
  ].join('\n');
}
