/**
 * The bad-input corpus: every file in test/bad/ (and a set of bad flags) is run through the CLI,
 * and each must fail with exit code 2, exactly the message below on stderr (file:line:col or the
 * flag, the field path, the bad value, what is allowed), nothing on stdout, and no output file.
 */
import { existsSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { cliRun, type CliRun } from './cli-support.js';

const cli = (args: string[]): Promise<CliRun> => cliRun(args);

const CASES: Array<{ args: string[]; stderr: string }> = [
  { args: ["run", "test/bad/absurd-batch.yaml"], stderr: "test/bad/absurd-batch.yaml:4:12: workload.0.batch: 50000000 is too large (allowed: an integer from 0 to 10,000,000)" },
  { args: ["run", "test/bad/absurd-cpus.yaml"], stderr: "test/bad/absurd-cpus.yaml:2:18: machine.cpus: 100000 is too large (allowed: an integer from 1 to 4,096)" },
  { args: ["run", "test/bad/absurd-duration.yaml"], stderr: "test/bad/absurd-duration.yaml:5:24: workload.0.program.0.sleep: \"2000000s\" is too large (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1000000s, or a distribution such as \"exp(1ms)\", \"uniform(1ms, 3ms)\" or \"lognormal(1ms, 0.5)\")" },
  { args: ["run", "test/bad/absurd-rate.yaml"], stderr: "test/bad/absurd-rate.yaml:4:23: workload.0.arrivals.rate: \"5e9/s\" is too high (allowed: a rate such as \"200/s\", \"5/ms\" or a number of arrivals per second, above 0 and at most 1e9/s)" },
  { args: ["run", "test/bad/bad-bandwidth.yaml"], stderr: "test/bad/bad-bandwidth.yaml:4:37: os.bandwidth.period: \"2s\" is too large (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) from 1ms to 1s)" },
  { args: ["run", "test/bad/bad-bandwidth-phase.yaml"], stderr: "test/bad/bad-bandwidth-phase.yaml:4:51: os.bandwidth.phase: 150ms is not less than the period 100ms (allowed: 0 up to just under the period)" },
  { args: ["run", "examples/go-gomaxprocs-quota.yaml", "--variant", "heavy-gomaxprocs-2", "--set", "os.bandwidth.phase=-1ms"], stderr: "--set os.bandwidth.phase=-1ms: os.bandwidth.phase: \"-1ms\" is negative (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1s)" },
  { args: ["run", "test/bad/bad-distribution.yaml"], stderr: "test/bad/bad-distribution.yaml:6:21: workload.0.program.0.io.dist: \"unifrom\" is not allowed; did you mean \"uniform\"? (allowed: constant, uniform, exponential, lognormal)" },
  { args: ["run", "test/bad/bad-hz.yaml"], stderr: "test/bad/bad-hz.yaml:3:23: os.hz: 200 is not allowed (allowed: 100, 250, 300 or 1000)" },
  { args: ["run", "test/bad/bad-json-syntax.json"], stderr: "test/bad/bad-json-syntax.json:4:1: bad JSON: Expected double-quoted property name" },
  { args: ["run", "test/bad/bad-json.json"], stderr: "test/bad/bad-json.json:3:24: machine.cpus: \"2\" is a string (allowed: an integer from 1 to 4,096)" },
  { args: ["run", "test/bad/bad-model.yaml"], stderr: "test/bad/bad-model.yaml:3:8: model: \"pool:0\" has a pool size outside 1 to 100,000 (allowed: threads, pool:N (N ≥ 1 worker threads), go:P (GOMAXPROCS P ≥ 1), or go (Go 1.25's default GOMAXPROCS))" },
  { args: ["run", "test/bad/bad-name.yaml"], stderr: "test/bad/bad-name.yaml:1:7: name: \"My Scenario\" is not allowed (allowed: lowercase letters, digits and dashes, at most 64 characters, for example \"seed-time-slices\")" },
  { args: ["run", "test/bad/bad-shorthand.yaml"], stderr: "test/bad/bad-shorthand.yaml:6:13: workload.0.program.0.io: \"uniform(3ms, 1ms)\": the maximum is below the minimum (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1000000s, or a distribution such as \"exp(1ms)\", \"uniform(1ms, 3ms)\" or \"lognormal(1ms, 0.5)\")" },
  { args: ["run", "test/bad/bad-variant.yaml"], stderr: "test/bad/bad-variant.yaml:9:12: variant \"fifo\": os.polcy: unknown field \"polcy\"; did you mean \"policy\"? (allowed here: policy, quantum, latency, minGranularity, wakeupGranularity, baseSlice, runToParity, hz, exactSliceEnd, balanceInterval, bandwidth)" },
  { args: ["run", "test/bad/bad-yaml.yaml"], stderr: "test/bad/bad-yaml.yaml:3:1: bad YAML: Flow map in block collection must be sufficiently indented and end with a }" },
  { args: ["run", "test/bad/batch-and-arrivals.yaml"], stderr: "test/bad/batch-and-arrivals.yaml:4:5: workload.0: a source has either batch or arrivals, not both" },
  { args: ["run", "test/bad/duplicate-key.yaml"], stderr: "test/bad/duplicate-key.yaml:4:3: bad YAML: duplicate key \"cpus\" (each key may appear once in a map)" },
  { args: ["run", "test/bad/duplicate-variant.yaml"], stderr: "test/bad/duplicate-variant.yaml:8:13: variants.1.name: \"one\" is used by an earlier variant (allowed: a name not used by another variant)" },
  { args: ["run", "test/bad/empty.yaml"], stderr: "test/bad/empty.yaml:1:1: the file is empty (a scenario needs at least name, machine and workload)" },
  { args: ["run", "test/bad/missing-workload.yaml"], stderr: "test/bad/missing-workload.yaml:1:1: workload: missing (required: a list of at least one source: {batch: N, program} or {arrivals: {rate, for}, program})" },
  { args: ["run", "test/bad/negative-duration.yaml"], stderr: "test/bad/negative-duration.yaml:7:16: workload.0.program.1.sleep: \"-5ms\" is negative (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1000000s, or a distribution such as \"exp(1ms)\", \"uniform(1ms, 3ms)\" or \"lognormal(1ms, 0.5)\")" },
  { args: ["run", "test/bad/top-level-list.yaml"], stderr: "test/bad/top-level-list.yaml:1:1: the file holds a list; a scenario is a map of fields (name, machine, os, workload, ...)" },
  { args: ["run", "test/bad/two-ops-in-one-item.yaml"], stderr: "test/bad/two-ops-in-one-item.yaml:6:9: workload.0.program.0: an op has exactly one key, this one has 2 (compute, io): write each op as its own list item" },
  { args: ["run", "test/bad/unitless-duration-string.yaml"], stderr: "test/bad/unitless-duration-string.yaml:3:28: os.quantum: \"10\" has no unit (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) above 0, at most 1000s)" },
  { args: ["run", "test/bad/unitless-duration.yaml"], stderr: "test/bad/unitless-duration.yaml:6:13: workload.0.program.0.io: 10 has no unit (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1000000s, or a distribution such as \"exp(1ms)\", \"uniform(1ms, 3ms)\" or \"lognormal(1ms, 0.5)\")" },
  { args: ["run", "test/bad/unknown-channel.yaml"], stderr: "test/bad/unknown-channel.yaml:5:22: programs.consumer.0.recv: unknown channel \"jbos\"; did you mean \"jobs\"? (declared channels: jobs, results)" },
  { args: ["run", "test/bad/unknown-field.yaml"], stderr: "test/bad/unknown-field.yaml:2:1: machnie: unknown field \"machnie\"; did you mean \"machine\"? (allowed here: name, description, seed, machine, os, model, go, limits, recordOrder, channels, mutexes, waitgroups, programs, workload, background, variants)" },
  { args: ["run", "test/bad/unknown-nested-field.yaml"], stderr: "test/bad/unknown-nested-field.yaml:4:12: machine.costs.contextSwich: unknown field \"contextSwich\"; did you mean \"contextSwitch\"? (allowed here: contextSwitch, wakeupIpi, threadCreate, syscall, timerSlack)" },
  { args: ["run", "test/bad/unknown-op.yaml"], stderr: "test/bad/unknown-op.yaml:6:9: workload.0.program.0.comptue: unknown op \"comptue\"; did you mean \"compute\"? (ops: compute, io, syscall, sleep, yield, spawn, send, recv, close, select, lock, unlock, wgAdd, wgDone, wgWait, repeat)" },
  { args: ["run", "test/bad/unknown-policy.yaml"], stderr: "test/bad/unknown-policy.yaml:4:11: os.policy: \"fiffo\" is not allowed; did you mean \"fifo\"? (allowed: fifo, rr, cfs, eevdf)" },
  { args: ["run", "test/bad/unknown-program.yaml"], stderr: "test/bad/unknown-program.yaml:7:14: workload.0.program: unknown program \"wroker\"; did you mean \"worker\"? (declared programs: worker)" },
  { args: ["run", "test/bad/unknown-unit.yaml"], stderr: "test/bad/unknown-unit.yaml:5:26: workload.0.program.0.compute: \"10msec\" has an unknown unit \"msec\" (allowed: a duration such as \"10ms\", \"250us\" or \"1.5s\" (units ns, us, ms, s, m, h) up to 1000000s, or a distribution such as \"exp(1ms)\", \"uniform(1ms, 3ms)\" or \"lognormal(1ms, 0.5)\")" },
  { args: ["run", "test/bad/variant-policy-param.yaml"], stderr: "test/bad/variant-policy-param.yaml:5:3: variant \"fifo\": os.quantum: quantum is a parameter of rr; the policy is fifo (fifo parameters: none); to drop it where the policy changes, set os.quantum to null" },
  { args: ["run", "test/bad/wrong-policy-param.yaml"], stderr: "test/bad/wrong-policy-param.yaml:5:3: os.quantum: quantum is a parameter of rr; the policy is cfs (cfs parameters: latency, minGranularity, wakeupGranularity)" },
  { args: ["run", "test/bad/wrong-type.yaml"], stderr: "test/bad/wrong-type.yaml:3:9: machine.cpus: \"four\" is a string (allowed: an integer from 1 to 4,096)" },
  { args: ["run", "test/bad/forever-empty.yaml"], stderr: "test/bad/forever-empty.yaml:6:37: programs.spin.1.repeat.do: a forever loop with an empty body (allowed: at least one op to repeat)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "workload.0.program=[{repeat: {times: forever, do: [{repeat: {times: 0, do: [yield]}}]}}]"], stderr: "--set workload.0.program=[{repeat: {times: forever, do: [{repeat: {times: 0, do: [yield]}}]}}]: workload.0.program.0.repeat.do: a forever loop whose body runs no op, only empty or 0-times repeats (allowed: at least one op to repeat)" },
  { args: ["run", "test/bad/fractional-count.yaml"], stderr: "test/bad/fractional-count.yaml:4:12: workload.0.batch: 2.5 is not a whole number (allowed: an integer from 0 to 10,000,000)" },
  { args: ["run", "test/bad/two-documents.yaml"], stderr: "test/bad/two-documents.yaml:6:1: bad YAML: a scenario file holds one YAML document (remove the second \"---\")" },
  { args: ["run", "test/bad/does-not-exist.yaml"], stderr: "test/bad/does-not-exist.yaml: no such file" },
  { args: ["run", "test/bad"], stderr: "test/bad: is a directory (expected a scenario file, .yaml or .json)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "workload.x=1"], stderr: "--set workload.x=1: workload.x: workload is a list: \"x\" is not an index (allowed: 0 to 1)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "machine.cpus=abc"], stderr: "--set machine.cpus=abc: machine.cpus: \"abc\" is a string (allowed: an integer from 1 to 4,096)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "os.polcy=rr"], stderr: "--set os.polcy=rr: os.polcy: unknown field \"polcy\"; did you mean \"policy\"? (allowed here: policy, quantum, latency, minGranularity, wakeupGranularity, baseSlice, runToParity, hz, exactSliceEnd, balanceInterval, bandwidth)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "machine.cpus"], stderr: "--set machine.cpus: expected path=value, for example --set machine.cpus=4" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "machine.cpus=[1,"], stderr: "--set machine.cpus=[1,: machine.cpus: the value \"[1,\" is not valid YAML: Flow sequence must end with a ]" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "workload.3.batch=1"], stderr: "--set workload.3.batch=1: workload.3.batch: workload has 1 item: index 3 is out of range (allowed: 0 to 1; 1 appends)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "workload.1.batch=2"], stderr: "--set workload.1.batch=2: workload.1.program: missing (required: a program name (declared under programs) or a list of ops)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--set", "os.quantum=5ms"], stderr: "--set os.quantum=5ms: os.quantum: quantum is a parameter of rr; the policy is cfs (cfs parameters: latency, minGranularity, wakeupGranularity)" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--seed", "x1"], stderr: "--seed x1: a seed is an integer from 0 to 4294967295" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--seed", ""], stderr: "--seed : a seed is an integer from 0 to 4294967295" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--seed", "0x10"], stderr: "--seed 0x10: a seed is an integer from 0 to 4294967295" },
  { args: ["explain", "examples/seed-unpredictable.yaml", "--thread", "1e0"], stderr: "--thread 1e0: an id is a whole number ≥ 1" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--model", "pool:0"], stderr: "--model pool:0: model: \"pool:0\" has a pool size outside 1 to 100,000 (allowed: threads, pool:N (N ≥ 1 worker threads), go:P (GOMAXPROCS P ≥ 1), or go (Go 1.25's default GOMAXPROCS))" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--model", "fibers"], stderr: "--model fibers: model: \"fibers\" is not an execution model (allowed: threads, pool:N (N ≥ 1 worker threads), go:P (GOMAXPROCS P ≥ 1), or go (Go 1.25's default GOMAXPROCS))" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--variant", "fast"], stderr: "--variant fast: examples/seed-unpredictable.yaml has no variants" },
  { args: ["run", "examples/seed-unpredictable.yaml", "--bogus"], stderr: "error: unknown option '--bogus'\n(schedlab help <command> shows its options)" },
  { args: ["runn", "examples/seed-unpredictable.yaml"], stderr: "error: unknown command 'runn'\n(Did you mean run?)\n(schedlab help <command> shows its options)" },
  { args: ["run", "test/bad/bad-variant.yaml", "--set", "variants.0.set={os.policy: fifo}", "--set", "machine.cpus=0"], stderr: "--set machine.cpus=0: machine.cpus: 0 is too small (allowed: an integer from 1 to 4,096)" },
];

describe('bad input corpus', () => {
  it.each(CASES)('$args', async ({ args, stderr }) => {
    const r = await cli(args);
    expect(r.err).toBe(`${stderr}\n`);
    expect(r.code).toBe(2);
    expect(r.out).toBe('');
  });

  it('covers every file in test/bad', () => {
    const covered = new Set(CASES.flatMap((c) => c.args.filter((a) => a.startsWith('test/bad/'))));
    const files = readdirSync('test/bad').map((f) => `test/bad/${f}`);
    expect(files.filter((f) => !covered.has(f))).toEqual([]);
    expect(files.length).toBeGreaterThanOrEqual(20);
  });

  it('writes no output file when the input is bad', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'schedlab-bad-'));
    const trace = join(dir, 'run.pftrace');
    const r = await cli(['run', 'test/bad/wrong-type.yaml', '--trace', trace]);
    expect(r.code).toBe(2);
    expect(existsSync(trace)).toBe(false);
    expect(readdirSync(dir)).toEqual([]);
  });
});
