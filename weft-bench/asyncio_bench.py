#!/usr/bin/env python3
"""CPython asyncio peers of weft's benchmarks, stdlib only.

Measures, on the interpreter that runs it:

  contextvarGet       ContextVar.get()                              ns/op   vars = 1, 100
  contextvarSetReset  var.reset(var.set(v))                         ns/op   vars = 1, 100
  copyContext         contextvars.copy_context()                    ns/op   vars = 1, 100
  taskGroup           TaskGroup spawning `tasks` no-op tasks, join  us/op   tasks = 1000
  timeout             `async with asyncio.timeout(10): pass`        ns/op
  queueHandOff        items through asyncio.Queue(maxsize) from     ns/item maxsize = 16,
                      `pairs` producer to `pairs` consumer tasks            pairs = 1, 4
  asyncGenerator      items of an async generator (`async def gen():  ns/item
                      ... yield item`) read by `async for` in a task

and writes them as JSON in the shape of JMH's `-rf json` output (a list of records with
"benchmark", "params" and "primaryMetric": score, scoreError, scoreUnit, rawData), so one report
generator reads both. As in JMH, the score is the mean of the measured samples and scoreError
the half-width of its 99.9% confidence interval (Student's t).

Each sample times a batch of calls sized to last about --sample-time seconds, after --warmup
samples that are not kept. The per-operation loops are unrolled ten times, so the interpreter's
loop overhead is a small part of what is measured (it is not subtracted). Every variable read
is of a variable set in the measured context; every queue item is checked by its consumer.

Usage: python3 asyncio_bench.py [--quick] [--out FILE] [--only NAME[,NAME...]]
                                [--skip NAME[,NAME...]]
"""

import argparse
import asyncio
import contextvars
import gc
import json
import math
import platform
import statistics
import sys
import time

ITEMS = 20_000            # items per queue hand-off call, as QueueBaselineBenchmark.ITEMS
MAX_VARS = 100
ITEM = object()
VARS = [contextvars.ContextVar(f"var-{i}") for i in range(MAX_VARS)]
V_OLD = 1000
V_NEW = 2000

# Student's t for a two-sided 99.9% interval (the 0.9995 quantile), by degrees of freedom; JMH
# reports the same interval as its scoreError.
T_9995 = {1: 636.619, 2: 31.599, 3: 12.924, 4: 8.610, 5: 6.869, 6: 5.959, 7: 5.408, 8: 5.041,
          9: 4.781, 10: 4.587, 11: 4.437, 12: 4.318, 13: 4.221, 14: 4.140, 15: 4.073, 16: 4.015,
          17: 3.965, 18: 3.922, 19: 3.883, 20: 3.850, 25: 3.725, 30: 3.646}


def t_quantile(df):
    """The 0.9995 quantile of Student's t with df degrees of freedom (from the table above)."""
    if df in T_9995:
        return T_9995[df]
    if df > 30:
        return 3.291  # the normal quantile; within 1% of t beyond 30 degrees of freedom
    lower = max(k for k in T_9995 if k < df)
    return T_9995[lower]  # the next smaller tabulated df: a slightly wider, safe interval


# ---- synchronous operations: context variables ---------------------------------------------

def set_vars(n):
    """Sets the first n variables in the current context; variable 0 holds V_OLD."""
    for i in range(n):
        VARS[i].set(V_OLD if i == 0 else i + 10_000)


def loop_get(calls):
    v = VARS[0]
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        v.get(); v.get(); v.get(); v.get(); v.get(); v.get(); v.get(); v.get(); v.get(); v.get()
    elapsed = time.perf_counter_ns() - t0
    if v.get() != V_OLD:
        raise AssertionError("variable 0 is not set in the measured context")
    return elapsed


def loop_set_reset(calls):
    v = VARS[0]
    new = V_NEW
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        v.reset(v.set(new)); v.reset(v.set(new)); v.reset(v.set(new)); v.reset(v.set(new))
        v.reset(v.set(new)); v.reset(v.set(new)); v.reset(v.set(new)); v.reset(v.set(new))
        v.reset(v.set(new)); v.reset(v.set(new))
    elapsed = time.perf_counter_ns() - t0
    if v.get() != V_OLD:
        raise AssertionError("reset did not restore variable 0")
    return elapsed


def loop_copy(calls):
    copy = contextvars.copy_context
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        copy(); copy(); copy(); copy(); copy(); copy(); copy(); copy(); copy(); copy()
    return time.perf_counter_ns() - t0


def in_context(vars_set, loop):
    """A sampler running `loop` in a fresh context in which the first vars_set variables are set."""
    ctx = contextvars.Context()
    ctx.run(set_vars, vars_set)
    return lambda calls: ctx.run(loop, calls)


# ---- asynchronous operations ---------------------------------------------------------------

async def noop():
    return 42


async def loop_task_group(calls, tasks):
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        async with asyncio.TaskGroup() as tg:
            for _ in range(tasks):
                tg.create_task(noop())
    return time.perf_counter_ns() - t0


async def loop_timeout(calls):
    timeout = asyncio.timeout
    t0 = time.perf_counter_ns()
    for _ in range(calls):
        for _ in range(10):
            async with timeout(10):
                pass
    return time.perf_counter_ns() - t0


async def loop_queue(calls, maxsize, pairs):
    per = ITEMS // pairs

    async def produce(q):
        for _ in range(per):
            await q.put(ITEM)

    async def consume(q):
        for _ in range(per):
            if await q.get() is not ITEM:
                raise AssertionError("wrong item")

    t0 = time.perf_counter_ns()
    for _ in range(calls):
        q = asyncio.Queue(maxsize)
        async with asyncio.TaskGroup() as tg:
            for _ in range(pairs):
                tg.create_task(produce(q))
                tg.create_task(consume(q))
        if not q.empty():
            raise AssertionError("items left in the queue")
    return time.perf_counter_ns() - t0


async def loop_async_generator(calls):
    async def gen():
        for _ in range(ITEMS):
            yield ITEM

    t0 = time.perf_counter_ns()
    for _ in range(calls):
        n = 0
        async for item in gen():
            if item is not ITEM:
                raise AssertionError("wrong item")
            n += 1
        if n != ITEMS:
            raise AssertionError("lost items")
    return time.perf_counter_ns() - t0


def on_loop(runner, make_coro):
    """A sampler that runs make_coro(calls) to completion on the runner's event loop."""
    return lambda calls: runner.run(make_coro(calls))


# ---- harness -------------------------------------------------------------------------------

def measure(sampler, ops_per_call, unit, sample_time, warmup, samples):
    """Times batches of calls; returns (mean, 99.9% half-width, raw per-op samples) in `unit`."""
    calls = 1
    while True:  # calibrate: double the batch until it lasts a tenth of a sample
        elapsed = sampler(calls)
        if elapsed >= sample_time * 1e8 or calls >= 1 << 30:
            break
        calls *= 2
    calls = max(1, int(calls * sample_time * 1e9 / max(elapsed, 1)))
    scale = {"ns": 1.0, "us": 1e-3}[unit]
    raw = []
    for i in range(warmup + samples):
        elapsed = sampler(calls)
        if i >= warmup:
            raw.append(elapsed / (calls * ops_per_call) * scale)
    mean = statistics.fmean(raw)
    error = (t_quantile(len(raw) - 1) * statistics.stdev(raw) / math.sqrt(len(raw))
             if len(raw) > 1 else float("nan"))
    return mean, error, raw


def plan():
    """(name, params, sampler factory, operations per call, unit) for every measurement."""
    out = []
    for n in (1, 100):
        out.append(("contextvarGet", {"vars": str(n)}, lambda n=n: in_context(n, loop_get), 10, "ns"))
        out.append(("contextvarSetReset", {"vars": str(n)},
                    lambda n=n: in_context(n, loop_set_reset), 10, "ns"))
        out.append(("copyContext", {"vars": str(n)}, lambda n=n: in_context(n, loop_copy), 10, "ns"))
    out.append(("taskGroup", {"tasks": "1000"}, "async", 1, "us"))
    out.append(("timeout", {}, "async", 10, "ns"))
    for pairs in (1, 4):
        out.append(("queueHandOff", {"maxsize": "16", "pairs": str(pairs)}, "async", ITEMS, "ns"))
    out.append(("asyncGenerator", {}, "async", ITEMS, "ns"))
    return out


def async_sampler(runner, name, params):
    if name == "taskGroup":
        tasks = int(params["tasks"])
        return on_loop(runner, lambda calls: loop_task_group(calls, tasks))
    if name == "timeout":
        return on_loop(runner, loop_timeout)
    if name == "queueHandOff":
        maxsize, pairs = int(params["maxsize"]), int(params["pairs"])
        return on_loop(runner, lambda calls: loop_queue(calls, maxsize, pairs))
    if name == "asyncGenerator":
        return on_loop(runner, loop_async_generator)
    raise ValueError(name)


def main(argv):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true",
                        help="smoke run: short samples, few of them (figures are not results)")
    parser.add_argument("--out", default="-", help="JSON output file (default: standard output)")
    parser.add_argument("--only", default="", help="comma-separated benchmark names to run")
    parser.add_argument("--skip", default="", help="comma-separated benchmark names not to run")
    args = parser.parse_args(argv)
    sample_time, warmup, samples = (0.05, 1, 3) if args.quick else (0.5, 3, 10)
    only = {s for s in args.only.split(",") if s}
    skip = {s for s in args.skip.split(",") if s}
    known = {name for name, *_ in plan()}
    if (only | skip) - known:
        parser.error(f"unknown benchmark(s) {sorted((only | skip) - known)}; known: {sorted(known)}")
    runtime = f"{platform.python_implementation()} {platform.python_version()}"
    records = []
    for name, params, factory, ops, unit in plan():
        if (only and name not in only) or name in skip:
            continue
        gc.collect()
        if factory == "async":
            with asyncio.Runner() as runner:
                mean, error, raw = measure(async_sampler(runner, name, params), ops, unit,
                                           sample_time, warmup, samples)
        else:
            mean, error, raw = measure(factory(), ops, unit, sample_time, warmup, samples)
        label = ", ".join(f"{k}={v}" for k, v in params.items())
        print(f"asyncio.{name:<20} {label:<22} {mean:12.3f} ± {error:9.3f} {unit}/op",
              file=sys.stderr, flush=True)
        records.append({
            "benchmark": f"asyncio.{name}",
            "mode": "avgt",
            "runtime": runtime,
            "warmupIterations": warmup,
            "measurementIterations": samples,
            "measurementTime": f"{sample_time} s",
            "params": params,
            "primaryMetric": {
                "score": mean,
                "scoreError": error,
                "scoreUnit": f"{unit}/op",
                "rawData": [raw],
            },
        })
    text = json.dumps(records, indent=2) + "\n"
    if args.out == "-":
        sys.stdout.write(text)
    else:
        with open(args.out, "w") as f:
            f.write(text)
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
