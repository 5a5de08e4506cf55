import { describe, expect, it } from 'vitest';
import { noNewProcessesFilter, SECCOMP_ARCHITECTURES } from './seccomp.js';

/** A classic BPF interpreter for the subset the filter uses, over struct seccomp_data. */
function run(program: Buffer, call: { arch: number; nr: number; arg0?: number }): number {
  const word = (offset: number) => (offset === 0 ? call.nr : offset === 4 ? call.arch : offset === 16 ? (call.arg0 ?? 0) : 0);
  let accumulator = 0;
  for (let pc = 0; pc * 8 < program.length;) {
    const code = program.readUInt16LE(pc * 8);
    const jt = program.readUInt8(pc * 8 + 2);
    const jf = program.readUInt8(pc * 8 + 3);
    const k = program.readUInt32LE(pc * 8 + 4);
    pc++;
    if (code === 0x20) accumulator = word(k) >>> 0;
    else if (code === 0x06) return k;
    else if (code === 0x15) pc += accumulator === k ? jt : jf;
    else if (code === 0x35) pc += accumulator >= k ? jt : jf;
    else if (code === 0x45) pc += (accumulator & k) !== 0 ? jt : jf;
    else throw new Error(`unknown instruction ${code.toString(16)}`);
  }
  throw new Error('the program ran off its end');
}

const ALLOW = 0x7fff0000;
const EPERM = 0x00050001;
const ENOSYS = 0x00050026;
const KILL = 0x80000000;
const CLONE_THREAD = 0x10000;

describe('the seccomp filter: no new processes', () => {
  it('x86-64: fork, vfork, execveat and clone of a process denied; clone3 ENOSYS; threads, execve and the rest allowed', () => {
    const program = noNewProcessesFilter('x64');
    if (program === undefined) throw new Error('no program for x64');
    const arch = 0xc000003e;
    expect(run(program, { arch, nr: 57 })).toBe(EPERM); // fork
    expect(run(program, { arch, nr: 58 })).toBe(EPERM); // vfork
    expect(run(program, { arch, nr: 322 })).toBe(EPERM); // execveat
    expect(run(program, { arch, nr: 435 })).toBe(ENOSYS); // clone3
    expect(run(program, { arch, nr: 56, arg0: 0x11 /* SIGCHLD: a process */ })).toBe(EPERM);
    expect(run(program, { arch, nr: 56, arg0: 0x3d0f00 /* what glibc's pthread_create passes */ })).toBe(ALLOW);
    expect(run(program, { arch, nr: 56, arg0: CLONE_THREAD })).toBe(ALLOW);
    for (const nr of [0, 1, 59 /* execve */, 62 /* kill */, 231]) expect(run(program, { arch, nr })).toBe(ALLOW);
    // x32 calls (the 0x40000000 bit) would reach the same kernel code under other numbers.
    expect(run(program, { arch, nr: 0x40000000 + 57 })).toBe(EPERM);
    expect(run(program, { arch, nr: 0x40000000 })).toBe(EPERM);
    expect(run(program, { arch, nr: 0x3fffffff })).toBe(ALLOW);
  });

  it('a call of another architecture kills the process', () => {
    const program = noNewProcessesFilter('x64');
    if (program === undefined) throw new Error('no program for x64');
    expect(run(program, { arch: 0x40000003 /* i386 */, nr: 2 })).toBe(KILL);
  });

  it('arm64 has no fork or vfork call: clone of a process, clone3 and execveat', () => {
    const program = noNewProcessesFilter('arm64');
    if (program === undefined) throw new Error('no program for arm64');
    const arch = 0xc00000b7;
    expect(run(program, { arch, nr: 220, arg0: 0x11 })).toBe(EPERM);
    expect(run(program, { arch, nr: 220, arg0: CLONE_THREAD })).toBe(ALLOW);
    expect(run(program, { arch, nr: 435 })).toBe(ENOSYS);
    expect(run(program, { arch, nr: 281 })).toBe(EPERM);
    expect(run(program, { arch, nr: 57 })).toBe(ALLOW); // close on arm64
    expect(run(program, { arch: 0xc000003e, nr: 0 })).toBe(KILL);
  });

  it('no program for an architecture it does not know', () => {
    expect(SECCOMP_ARCHITECTURES).toEqual(['x64', 'arm64']);
    expect(noNewProcessesFilter('ia32')).toBeUndefined();
  });
});
