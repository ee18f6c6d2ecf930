// One timed load run: wrk (pinned to the load CPU) against a gateway (pinned to the gateway CPU), with
// the gateway's CPU time and peak memory read from /proc around and during the run.
import { execFile, execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CLOCK_TICKS = 100; // USER_HZ on Linux

export interface Sample {
  rps: number;
  p50Ms: number;
  p99Ms: number;
  cpuMsPerRequest: number;
  /** CPU the subgraphs (all in the benchmark's own process) spent per request. */
  subgraphCpuMsPerRequest: number;
  peakRssMiB: number;
}

function cpuMs(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  return ((Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS) * 1000;
}

function rssMiB(pid: number): number {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kB = /VmRSS:\s+(\d+) kB/.exec(status)?.[1];
  if (kB === undefined) throw new Error(`process ${pid} has exited (${/State:\s+(.*)/.exec(status)?.[1] ?? 'unknown state'})`);
  return Number(kB) / 1024;
}

/** Pins a process and all its threads to one CPU. */
export function pin(pid: number, cpu: number): void {
  execFileSync('taskset', ['-a', '-p', '-c', String(cpu), String(pid)], { stdio: 'ignore' });
}

export async function load(options: {
  url: string; pid: number; tokensFile: string; bodyFile: string;
  seconds: number; connections: number; loadCpu: number;
}): Promise<Sample> {
  const script = path.join(__dirname, 'load.lua');
  const before = cpuMs(options.pid);
  const subgraphsBefore = cpuMs(process.pid);
  let peak = rssMiB(options.pid);
  let exited: unknown = null;
  const sampler = setInterval(() => {
    try { peak = Math.max(peak, rssMiB(options.pid)); } catch (error) { exited = error; clearInterval(sampler); }
  }, 100);
  try {
    const { stdout } = await run('taskset', [
      '-c', String(options.loadCpu), 'wrk', '-t1', `-c${options.connections}`, `-d${options.seconds}s`, '--timeout', '10s',
      '-s', script, options.url, '--', options.tokensFile, options.bodyFile,
    ], { maxBuffer: 1 << 20 });
    const summary = JSON.parse(stdout.trim().split('\n').at(-1)!) as { requests: number; durationUs: number; socketErrors: number; non2xx: number; p50Us: number; p99Us: number };
    if (summary.non2xx > 0 || summary.socketErrors > 0) {
      throw new Error(`${options.url}: ${summary.non2xx} non-2xx answers and ${summary.socketErrors} socket errors in ${summary.requests} requests`);
    }
    if (exited) throw exited;
    const used = cpuMs(options.pid) - before;
    const subgraphsUsed = cpuMs(process.pid) - subgraphsBefore;
    return {
      rps: summary.requests / (summary.durationUs / 1e6),
      p50Ms: summary.p50Us / 1000,
      p99Ms: summary.p99Us / 1000,
      cpuMsPerRequest: used / summary.requests,
      subgraphCpuMsPerRequest: subgraphsUsed / summary.requests,
      peakRssMiB: Math.max(peak, rssMiB(options.pid)),
    };
  } finally {
    clearInterval(sampler);
  }
}
