// Medians over several result files of bench/run.ts (wall-clock figures move ±30 % between runs).
//
//   bun bench/median.ts bench/results/run1.json bench/results/run2.json bench/results/run3.json
import { readFileSync } from "node:fs";

type Name = "bun" | "workerd" | "wbare" | "bare";
interface Row {
  op: string;
  /** Issue 20's goal for the row: s3edge on Bun over the reference, in ops/s. */
  goal?: { text: string; min: number; ratio?: number };
  opsPerSec: Partial<Record<Name, number>>;
  ratios: { bunBare: number; workerdBare?: number; workerdBun?: number };
  cpuSecPerGiB: Partial<Record<Name, number>>;
  peakRssMiB?: Partial<Record<Name, number>>;
}
interface Result {
  date: string; commit: string; dirtySrc: boolean; table: Row[];
  /** run.ts's goals; `workers`: workerd ÷ wbare CPU per byte by op (since 2026-12-03). */
  goals?: { workers?: Record<string, { max: number; ratio: number }> };
  rss: { s3edge?: { in: { peakRssMiB: number }; out: { peakRssMiB: number } } };
}

const files = process.argv.slice(2);
if (!files.length) {
  console.error("usage: bun bench/median.ts RESULT.json...");
  process.exit(2);
}
const runs = files.map((f) => JSON.parse(readFileSync(f, "utf8")) as Result);

const median = (xs: (number | undefined)[]): number | undefined => {
  const v = xs.filter((x): x is number => x !== undefined && Number.isFinite(x)).sort((a, b) => a - b);
  if (!v.length) return undefined;
  const m = v.length >> 1;
  return v.length % 2 ? v[m] : (v[m - 1] + v[m]) / 2;
};
const f = (n: number | undefined, d = 1) => (n === undefined ? "-" : n.toFixed(d));
function pad(cells: string[][]): string {
  const w = cells[0].map((_, i) => Math.max(...cells.map((r) => r[i].length)));
  return cells.map((r) => r.map((c, i) => (i === 0 ? c.padEnd(w[i]) : c.padStart(w[i]))).join("  ")).join("\n");
}

console.log(`medians of ${runs.length} runs: ${runs.map((r) => `${r.date} ${r.commit}${r.dirtySrc ? "+dirty" : ""}`).join(", ")}\n`);
const ops = runs[0].table.map((r) => r.op);
const has = (n: Name) => runs.some((r) => r.table.some((t) => t.opsPerSec[n] !== undefined));
const names: Name[] = (["bun", "workerd", "wbare", "bare"] as Name[]).filter(has);
/** The goal, the median of bun/ref over the runs and whether that median meets it. */
function goalCells(rs: Row[]): string[] {
  const g = rs.find((r) => r.goal)?.goal;
  const m = median(rs.map((r) => r.goal?.ratio));
  return g && m !== undefined ? [g.text, f(m, 2), m >= g.min ? "PASS" : "MISS"] : ["-", "-", "-"];
}
const rowsFor = (op: string) => runs.map((r) => r.table.find((t) => t.op === op)).filter((r): r is Row => !!r);
console.log(pad([
  ["op", ...names.map((n) => `${n} ops/s`), "bun/bare", "goal", "bun/ref", "met", ...(names.includes("workerd") ? ["workerd/bare", "workerd/bun"] : []), ...names.map((n) => `${n} CPU s/GiB`)],
  ...ops.map((op) => {
    const rs = rowsFor(op);
    return [
      op,
      ...names.map((n) => f(median(rs.map((r) => r.opsPerSec[n])))),
      f(median(rs.map((r) => r.ratios.bunBare)), 2),
      ...goalCells(rs),
      ...(names.includes("workerd") ? [f(median(rs.map((r) => r.ratios.workerdBare)), 3), f(median(rs.map((r) => r.ratios.workerdBun)), 3)] : []),
      ...names.map((n) => f(median(rs.map((r) => r.cpuSecPerGiB[n])), 2)),
    ];
  }),
]));
const rss = runs.map((r) => r.rss.s3edge).filter((x) => x !== undefined);
if (rss.length) {
  console.log(`\ns3edge on Bun, 2 GiB streamed: peak RSS in ${f(median(rss.map((x) => x!.in.peakRssMiB)))} MiB, out ${f(median(rss.map((x) => x!.out.peakRssMiB)))} MiB ` +
    `(per run: ${rss.map((x) => `${x!.in.peakRssMiB}/${x!.out.peakRssMiB}`).join(", ")})`);
}
console.log(`per run bun/bare: ${ops.map((op) => `${op} ${rowsFor(op).map((r) => r.ratios.bunBare.toFixed(2)).join(" ")}`).join("; ")}`);
// Issue 20 on Workers, as run.ts judged each run: the median ratio against the same bound.
const workerGoals = runs.map((r) => r.goals?.workers ?? {});
const workerOps = ops.filter((op) => workerGoals.some((g) => g[op]));
if (workerOps.length) {
  const w = workerOps.map((op) => {
    const max = workerGoals.find((g) => g[op])![op].max;
    const m = median(workerGoals.map((g) => g[op]?.ratio))!;
    return `${op} ${m <= max ? "PASS" : "MISS"} (${m.toFixed(2)} <= ${max})`;
  });
  console.log(`workerd CPU per byte over the bare Worker's, medians: ${w.join("; ")}`);
}
