// Loaded with `node --import` into the one profiled par run: records when par's own code begins
// (Node's start-up before it), when HTTP requests are in flight (undici's diagnostics channels),
// and when fsync calls run, and writes them as JSON to $PAR_BENCH_PHASES at exit. Times are ms
// since the process's time origin. par itself knows nothing of this.
import { subscribe } from 'node:diagnostics_channel';
import { fsync, fsyncSync, fdatasync, writeFileSync } from 'node:fs';
import fs from 'node:fs';
import { open } from 'node:fs/promises';

const record = { firstModuleAt: performance.now(), network: [], fsync: [], exitAt: null };
const open_ = new Map();

subscribe('undici:request:create', ({ request }) => open_.set(request, performance.now()));
const finish = ({ request }) => {
  const start = open_.get(request);
  if (start === undefined) return;
  open_.delete(request);
  record.network.push([start, performance.now()]);
};
subscribe('undici:request:trailers', finish);
subscribe('undici:request:error', finish);

function timed(original) {
  return async function (...args) {
    const start = performance.now();
    try {
      return await original.apply(this, args);
    } finally {
      record.fsync.push([start, performance.now()]);
    }
  };
}

// FileHandle is not exported: take its prototype from a handle.
const handle = await open('/dev/null', 'r');
const FileHandlePrototype = Object.getPrototypeOf(handle);
await handle.close();
FileHandlePrototype.sync = timed(FileHandlePrototype.sync);
FileHandlePrototype.datasync = timed(FileHandlePrototype.datasync);
for (const [name, original] of [['fsync', fsync], ['fdatasync', fdatasync]]) {
  fs[name] = function (fd, callback) {
    const start = performance.now();
    return original(fd, (...results) => {
      record.fsync.push([start, performance.now()]);
      callback(...results);
    });
  };
}
fs.fsyncSync = function (fd) {
  const start = performance.now();
  try {
    return fsyncSync(fd);
  } finally {
    record.fsync.push([start, performance.now()]);
  }
};

process.on('exit', () => {
  record.exitAt = performance.now();
  for (const start of open_.values()) record.network.push([start, record.exitAt]);
  if (process.env.PAR_BENCH_PHASES) writeFileSync(process.env.PAR_BENCH_PHASES, JSON.stringify(record));
});
