// Where a V8 CPU profile (node --cpu-prof) spent its busy time (idle left out): self time by kind of
// work, by package and by function, optionally within a window counted back from the profile's end.
//   npx tsx bench/gateways/profile-summary.ts <file.cpuprofile> [rows] [window start, seconds before the end] [window end, seconds before the end]
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { pathToFileURL } from 'node:url';

interface ProfileNode { id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }
interface Profile { nodes: ProfileNode[]; samples: number[]; timeDeltas: number[]; endTime: number; startTime: number }

const profile = JSON.parse(readFileSync(process.argv[2], 'utf8')) as Profile;
const rows = Number(process.argv[3] ?? 30);
const from = process.argv[4] ? profile.endTime - Number(process.argv[4]) * 1e6 : 0;
const to = process.argv[5] ? profile.endTime - Number(process.argv[5]) * 1e6 : Infinity;
const byId = new Map(profile.nodes.map((n) => [n.id, n]));
const selfUs = new Map<number, number>();
let at = profile.startTime;
profile.samples.forEach((id, i) => {
  at += profile.timeDeltas[i] ?? 0;
  if (at >= from && at <= to && byId.get(id)!.callFrame.functionName !== '(idle)') selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[i] ?? 0));
});
const total = [...selfUs.values()].reduce((a, b) => a + b, 0);

const PROJECT = pathToFileURL(path.resolve(__dirname, '..', '..')).href;
const packageOf = (url: string): string => {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (match) return match[1];
  if (!url) return '(native / V8)';
  if (url.startsWith('node:')) return 'node core';
  return url.startsWith(PROJECT) ? `project: ${url.split('/').slice(-2).join('/')}` : url;
};

/**
 * The kinds of work a gateway does, for "what stands between ours and the limit" in BENCHMARKS.md. The
 * profiler samples the main thread whether or not it is on the CPU: a socket write that wakes another
 * process on the same core counts the time that process runs, so writes get their own line.
 */
const kindOf = (functionName: string, url: string): string => {
  const pkg = packageOf(url);
  if (functionName === '(garbage collector)') return 'garbage collection';
  if (pkg === 'jose' || url.startsWith('node:internal/crypto')) return 'token verification and signing (jose, WebCrypto)';
  if (pkg.startsWith('@apollo/') || pkg === 'graphql') return 'Apollo Server, Apollo Gateway, graphql-js';
  if (pkg === 'undici' || url.startsWith('wasm:')) return 'HTTP client (undici)';
  if (functionName === 'writev' || functionName === 'writeBuffer') return 'socket writes (and what they wake on this core)';
  if (pkg.startsWith('project: ')) return 'the project\'s own code';
  if (pkg === 'node core') return 'Node core (HTTP server, streams, timers)';
  if (!url) return 'V8 and native (microtasks, JSON)';
  return 'other packages';
};

const add = (map: Map<string, number>, key: string, us: number) => map.set(key, (map.get(key) ?? 0) + us);
const kinds = new Map<string, number>();
const functions = new Map<string, number>();
const packages = new Map<string, number>();
for (const [id, us] of selfUs) {
  const { functionName, url, lineNumber } = byId.get(id)!.callFrame;
  add(kinds, kindOf(functionName, url), us);
  add(functions, `${functionName || '(anonymous)'} ${packageOf(url)}:${lineNumber + 1}`, us);
  add(packages, packageOf(url), us);
}
const print = (title: string, map: Map<string, number>) => {
  console.log(`\n${title}`);
  for (const [key, us] of [...map].sort((a, b) => b[1] - a[1]).slice(0, rows)) console.log(`${((us / total) * 100).toFixed(1).padStart(5)}%  ${key}`);
};
print('self time by kind of work', kinds);
print('self time by package', packages);
print('self time by function', functions);
