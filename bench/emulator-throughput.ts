/**
 * Emulator throughput and 100,000-user load benchmark (a script, not a test).
 *
 * bench/ is not compiled (tsconfig.build.json covers lib, functions, orchestrations, activities, dev), so
 * the benchmark lives in dev/graph-emulator/benchmark.ts and this file only runs it. Today:
 *
 *   npm run build && node dist/dev/graph-emulator/benchmark.js [--users 100000] [--seconds 10] [--connections 32]
 */
import { main } from '../dev/graph-emulator/benchmark';

void main(process.argv.slice(2));
