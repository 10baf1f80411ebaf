/**
 * One process of tools/measure/trace-instructions.sh: runs the tracing bench's workload
 * RUNS times in a mode, writing the trace nowhere. Run: trace-run.ts threads|go
 * none|drop|nowhy|why|json EVENTS RUNS
 */
import { benchConfig, goBenchConfig } from '../../bench/trace-configs.js';
import { traceMetaOf } from '../../src/node/trace-file.js';
import { simulate } from '../../src/sim.js';
import type { TraceSink } from '../../src/trace/events.js';
import { PerfettoSink } from '../../src/trace/perfetto.js';
import { JsonEncoder } from '../../src/trace/perfetto-json.js';
import { ProtoEncoder } from '../../src/trace/perfetto-proto.js';

const [model = 'threads', mode = 'why', eventsArg = '200000', runsArg = '2'] = process.argv.slice(2);
const MODES = ['none', 'drop', 'nowhy', 'why', 'json'];
if ((model !== 'threads' && model !== 'go') || !MODES.includes(mode)) {
  process.stderr.write(`usage: trace-run.ts threads|go ${MODES.join('|')} EVENTS RUNS (got ${model} ${mode})\n`);
  process.exit(2);
}
const events = Number(eventsArg);
const runs = Number(runsArg);
const nowhere = { write: (): void => undefined };

function sink(): TraceSink | null {
  const meta = traceMetaOf(config());
  switch (mode) {
    case 'none':
      return null;
    case 'drop':
      return { emit: () => undefined };
    case 'nowhy':
      return new PerfettoSink(new ProtoEncoder(nowhere), meta, { why: false });
    case 'why':
      return new PerfettoSink(new ProtoEncoder(nowhere), meta);
    default:
      return new PerfettoSink(new JsonEncoder(nowhere), meta);
  }
}

function config(): ReturnType<typeof benchConfig> {
  return model === 'go' ? goBenchConfig(events) : benchConfig(events);
}

for (let i = 0; i < runs; i++) simulate(config(), { trace: sink() });
