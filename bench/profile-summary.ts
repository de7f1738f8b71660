/**
 * Summarises a V8 .cpuprofile (node --cpu-prof): the functions with the most self
 * time, and self time per package / source file, so a hot spot can be named by
 * file and line. CLI: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]
 */
import { readFileSync } from 'node:fs';

interface ProfileNode {
  id: number;
  callFrame: { functionName: string; url: string; lineNumber: number; columnNumber: number };
  hitCount?: number;
  children?: number[];
}

interface CpuProfile {
  nodes: ProfileNode[];
  samples: number[];
  timeDeltas: number[];
  startTime: number;
  endTime: number;
}

export interface HotSpot {
  name: string;
  where: string;
  selfMs: number;
  percent: number;
}

export interface ProfileSummary {
  totalMs: number;
  /** Share of samples in which the process was idle (waiting for I/O). */
  idlePercent: number;
  functions: HotSpot[];
  groups: HotSpot[];
}

/** `node_modules/<package>` (scoped too), the project file, or the Node internal module. */
function groupOf(url: string, name: string): string {
  if (!url) return name.startsWith('(') ? name : '(native)';
  const modules = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (modules?.[1]) return modules[1];
  const project = /\/(dist\/(?:src|bench|test)\/.*)$/.exec(url);
  if (project?.[1]) return project[1];
  if (url.startsWith('node:')) return url;
  return url.replace(/^file:\/\//, '');
}

function shortLocation(url: string, line: number): string {
  if (!url) return '';
  const trimmed = url
    .replace(/^file:\/\//, '')
    .replace(/^.*\/node_modules\//, '')
    .replace(/^.*\/(dist\/)/, '$1');
  return `${trimmed}:${line + 1}`;
}

export function summariseProfile(file: string, top = 20): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as CpuProfile;
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const selfUs = new Map<number, number>();
  profile.samples.forEach((id, index) => {
    selfUs.set(id, (selfUs.get(id) ?? 0) + (profile.timeDeltas[index] ?? 0));
  });
  let totalUs = 0;
  let idleUs = 0;
  const functions = new Map<string, HotSpot>();
  const groups = new Map<string, HotSpot>();
  const add = (map: Map<string, HotSpot>, key: string, name: string, where: string, us: number) => {
    const entry = map.get(key) ?? { name, where, selfMs: 0, percent: 0 };
    entry.selfMs += us / 1000;
    map.set(key, entry);
  };
  for (const [id, us] of selfUs) {
    const node = byId.get(id);
    if (!node) continue;
    totalUs += us;
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === '(idle)') {
      idleUs += us;
      continue;
    }
    const name = functionName || '(anonymous)';
    const where = shortLocation(url, lineNumber);
    add(functions, `${name}@${where}`, name, where, us);
    const group = groupOf(url, name);
    add(groups, group, group, '', us);
  }
  const busyMs = (totalUs - idleUs) / 1000;
  const ranked = (map: Map<string, HotSpot>) =>
    [...map.values()]
      .map((entry) => ({
        ...entry,
        selfMs: Math.round(entry.selfMs),
        percent: Math.round((entry.selfMs / busyMs) * 1000) / 10,
      }))
      .sort((a, b) => b.selfMs - a.selfMs)
      .slice(0, top);
  return {
    totalMs: Math.round(totalUs / 1000),
    idlePercent: Math.round((idleUs / Math.max(1, totalUs)) * 1000) / 10,
    functions: ranked(functions),
    groups: ranked(groups),
  };
}

export function formatSummary(summary: ProfileSummary): string {
  const lines = [
    `profile: ${summary.totalMs} ms sampled, ${summary.idlePercent}% idle; self time as % of busy time`,
    'top functions:',
    ...summary.functions.map(
      (f) =>
        `  ${f.percent.toFixed(1).padStart(5)}%  ${f.selfMs.toString().padStart(6)} ms  ${f.name}  ${f.where}`,
    ),
    'by package / file:',
    ...summary.groups.map(
      (g) =>
        `  ${g.percent.toFixed(1).padStart(5)}%  ${g.selfMs.toString().padStart(6)} ms  ${g.name}`,
    ),
  ];
  return lines.join('\n');
}

if (require.main === module) {
  const [file, top] = process.argv.slice(2);
  if (!file) {
    process.stderr.write('usage: node dist/bench/profile-summary.js FILE.cpuprofile [TOP]\n');
    process.exit(2);
  }
  process.stdout.write(`${formatSummary(summariseProfile(file, Number(top) || 20))}\n`);
}
