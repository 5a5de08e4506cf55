/**
 * The seccomp filter of every domain: no new processes. bwrap loads it (`--seccomp <fd>`) just
 * before it executes setpriv, which then executes node, so `execve` itself must stay allowed; what
 * is denied is creating a process to run anything in: fork, vfork, clone without CLONE_THREAD
 * (threads stay allowed, Node needs them), clone3 (ENOSYS, so that glibc falls back to clone,
 * which this filter can inspect: clone3 passes its flags in memory, out of a filter's reach) and
 * execveat. A domain can at most replace itself with a program of its mount view (node, setpriv),
 * under its own uid, without privileges. A foreign architecture or x32 call is refused.
 */

/** A classic BPF instruction: struct sock_filter { u16 code; u8 jt; u8 jf; u32 k }. */
interface Instruction {
  readonly code: number;
  readonly jt: number;
  readonly jf: number;
  readonly k: number;
}

const LOAD_WORD = 0x20; // BPF_LD | BPF_W | BPF_ABS
const JUMP_EQUAL = 0x15; // BPF_JMP | BPF_JEQ | BPF_K
const JUMP_AT_LEAST = 0x35; // BPF_JMP | BPF_JGE | BPF_K
const JUMP_ANY_BIT = 0x45; // BPF_JMP | BPF_JSET | BPF_K
const RETURN = 0x06; // BPF_RET | BPF_K

const ALLOW = 0x7fff0000;
const KILL_PROCESS = 0x80000000;
const errno = (n: number) => 0x00050000 | n;
const EPERM = 1;
const ENOSYS = 38;

/** Offsets in struct seccomp_data: nr, arch, then the low word of args[0] (little endian). */
const SYSCALL_NR = 0;
const ARCH = 4;
const ARG0_LOW = 16;
const CLONE_THREAD = 0x00010000;
const X32_SYSCALL_BIT = 0x40000000;

interface Architecture {
  readonly audit: number;
  readonly clone: number;
  readonly clone3: number;
  readonly execveat: number;
  /** Calls that only ever create a process. */
  readonly forks: readonly number[];
  readonly x32: boolean;
}

const ARCHITECTURES: Readonly<Record<string, Architecture>> = {
  x64: { audit: 0xc000003e, clone: 56, clone3: 435, execveat: 322, forks: [57, 58], x32: true },
  arm64: { audit: 0xc00000b7, clone: 220, clone3: 435, execveat: 281, forks: [], x32: false },
};

export const SECCOMP_ARCHITECTURES: readonly string[] = Object.keys(ARCHITECTURES);

const op = (code: number, k: number, jt = 0, jf = 0): Instruction => ({ code, jt, jf, k });

/** The filter's program for `arch` (Node's `process.arch`); undefined for an architecture it does not know. */
export function noNewProcessesFilter(arch: string): Buffer | undefined {
  const a = ARCHITECTURES[arch];
  if (a === undefined) return undefined;
  const program: Instruction[] = [op(LOAD_WORD, ARCH), op(JUMP_EQUAL, a.audit, 1, 0), op(RETURN, KILL_PROCESS), op(LOAD_WORD, SYSCALL_NR)];
  if (a.x32) program.push(op(JUMP_AT_LEAST, X32_SYSCALL_BIT, 0, 1), op(RETURN, errno(EPERM)));
  for (const nr of [...a.forks, a.execveat]) program.push(op(JUMP_EQUAL, nr, 0, 1), op(RETURN, errno(EPERM)));
  program.push(op(JUMP_EQUAL, a.clone3, 0, 1), op(RETURN, errno(ENOSYS)));
  // clone: allowed when it makes a thread, else EPERM; any other call is allowed.
  program.push(
    op(JUMP_EQUAL, a.clone, 0, 3),
    op(LOAD_WORD, ARG0_LOW),
    op(JUMP_ANY_BIT, CLONE_THREAD, 1, 0),
    op(RETURN, errno(EPERM)),
    op(RETURN, ALLOW),
  );
  const bytes = Buffer.alloc(program.length * 8);
  program.forEach((ins, i) => {
    bytes.writeUInt16LE(ins.code, i * 8);
    bytes.writeUInt8(ins.jt, i * 8 + 2);
    bytes.writeUInt8(ins.jf, i * 8 + 3);
    bytes.writeUInt32LE(ins.k, i * 8 + 4);
  });
  return bytes;
}
