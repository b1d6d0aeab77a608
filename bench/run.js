// `npm run bench`: every benchmark, printing its figures (see BENCHMARKS.md).
import { benchCompile } from './compile.js';
import { fmt } from './lib.js';

for (const n of [1000, 10000]) {
  const r = benchCompile(n);
  console.log(
    `compile ${r.models} models: cold ${fmt(r.cold)} (peak ${r.coldPeakMb.toFixed(0)} MB), ` +
      `warm no change ${fmt(r.warmNoChange)}, warm after 1 edit ${fmt(r.warmOneEdit)} (peak ${r.warmPeakMb.toFixed(0)} MB), ` +
      `naive --no-cache ${fmt(r.naiveNoCache)}`,
  );
}
