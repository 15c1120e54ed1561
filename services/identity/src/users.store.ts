// Local users of the embedded provider, kept in <data>/identity/users.json (0600). Passwords are
// hashed with Node's scrypt (RFC 7914) at N = 2^17, r = 8, p = 1, a 16-byte random salt and a
// 32-byte key — OWASP's recommended minimum for scrypt (128 MiB of memory per hash). The parameters
// are stored with each hash, so stronger ones can be introduced without invalidating old hashes.
// The file is re-read when another process (the CLI) changed it, so the CLI and a running platform
// share it.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { dirname, join } from 'node:path';
import { z } from 'zod';
import { readJson, stampOf, writeJson } from './file.store.js';
import { roles } from './tokens.js';

export const scryptParameters = { N: 2 ** 17, r: 8, p: 1, keylen: 32, saltBytes: 16 } as const;

function scryptAsync(password: string, salt: Buffer, p: { N: number; r: number; p: number; keylen: number }): Promise<Buffer> {
  return new Promise((resolve, reject) => scrypt(password, salt, p.keylen, { N: p.N, r: p.r, p: p.p, maxmem: 256 * p.N * p.r }, (err, key) => (err ? reject(err) : resolve(key))));
}

export async function hashPassword(password: string): Promise<string> {
  const salt = randomBytes(scryptParameters.saltBytes);
  const key = await scryptAsync(password, salt, scryptParameters);
  const { N, r, p } = scryptParameters;
  return `scrypt$${N}$${r}$${p}$${salt.toString('base64url')}$${key.toString('base64url')}`;
}

export async function passwordMatches(password: string, stored: string): Promise<boolean> {
  const [kind, N, r, p, salt, hash] = stored.split('$');
  if (kind !== 'scrypt' || !hash) return false;
  const expected = Buffer.from(hash, 'base64url');
  const actual = await scryptAsync(password, Buffer.from(salt!, 'base64url'), { N: Number(N), r: Number(r), p: Number(p), keylen: expected.length });
  return timingSafeEqual(actual, expected);
}

/** The fields an admin gives for a new user (HTTP body and CLI flags alike). */
export const newUserSchema = z
  .strictObject({
    username: z.string().regex(/^[a-z0-9][a-z0-9._-]{1,62}$/, 'expected 2–63 characters: lower-case letters, digits, ".", "_" or "-", starting with a letter or digit'),
    name: z.string().trim().min(1, 'expected the person\'s name, e.g. "Erika Mustermann"').max(200),
    role: z.enum(roles.filter((r) => r !== 'public') as ['planner', 'amt', 'admin'], { message: 'expected one of planner, amt, admin' }),
    amt: z.string().trim().min(1).max(64).optional(),
    tenant: z.string().trim().min(1).max(64).optional(),
    privileged: z.boolean().optional(),
  })
  .refine((u) => u.role !== 'amt' || u.amt, { message: 'a user with role "amt" needs an Amt code (e.g. "50")', path: ['amt'] });
export type NewUser = z.infer<typeof newUserSchema>;

export interface User extends NewUser {
  id: string;
  passwordHash: string;
  /** the password was set by someone else (first start, an admin): it must be changed at the next sign-in */
  mustChangePassword: boolean;
  createdAt: string;
  /** an admin disabled the user: no sign-in, and its tokens are refused by this platform (docs/auth.md) */
  disabled?: boolean;
}

/** What may be shown of a user: never the hash. */
export type PublicUser = Omit<User, 'passwordHash'>;
export const publicUser = ({ passwordHash: _h, ...user }: User): PublicUser => user;

export class UserRejected extends Error {
  override readonly name = 'UserRejected';
  constructor(
    readonly code: 'BAD_USER_INPUT' | 'CONFLICT' | 'NOT_FOUND',
    message: string,
  ) {
    super(message);
  }
}

export const minPasswordLength = 12;

/** a one-time password: 18 random bytes, base64url (24 characters) */
export const oneTimePassword = (): string => randomBytes(18).toString('base64url');

/** a user an admin deleted: kept so that the tokens issued to them are refused until they expire */
interface DeletedUser {
  id: string;
  username: string;
  deletedAt: string;
}

export class UserStore {
  private users: User[] = [];
  private stamp = '';
  private deleted = new Set<string>();
  private deletedStamp = '';
  /** deleted-users.json beside users.json */
  private readonly deletedFile: string;
  /** verified against when the user is unknown, so a wrong name takes as long as a wrong password */
  private dummyHash: Promise<string> | undefined;

  constructor(private readonly file: string) {
    this.deletedFile = join(dirname(file), 'deleted-users.json');
  }

  private deletedIds(): Set<string> {
    const stamp = stampOf(this.deletedFile);
    if (stamp !== this.deletedStamp) {
      this.deleted = new Set((readJson<DeletedUser[]>(this.deletedFile) ?? []).map((d) => d.id));
      this.deletedStamp = stamp;
    }
    return this.deleted;
  }

  /**
   * Whether the tokens of this subject are to be refused: a user an admin disabled or deleted since.
   * A subject that was never a user here is not refused by this (the signature and claims decide).
   */
  revoked(id: string): boolean {
    return this.byId(id)?.disabled === true || this.deletedIds().has(id);
  }

  private load(): User[] {
    const stamp = stampOf(this.file);
    if (stamp !== this.stamp) {
      this.users = readJson<User[]>(this.file) ?? [];
      this.stamp = stamp;
    }
    return this.users;
  }

  private save(users: User[]): void {
    writeJson(this.file, users);
    this.users = users;
    this.stamp = stampOf(this.file);
  }

  list(): PublicUser[] {
    return this.load().map(publicUser);
  }

  byId(id: string): User | undefined {
    return this.load().find((u) => u.id === id);
  }

  /** the user who may act now: known and not disabled */
  activeById(id: string): User | undefined {
    const user = this.byId(id);
    return user && user.disabled !== true ? user : undefined;
  }

  private byUsername(username: string): User {
    const user = this.load().find((u) => u.username === username);
    if (!user) throw new UserRejected('NOT_FOUND', `no user "${username}"; GET /auth/users lists them`);
    return user;
  }

  /** refuses to leave the platform without an admin who can sign in */
  private keepAnAdmin(username: string, change: string): void {
    const others = this.load().filter((u) => u.role === 'admin' && u.disabled !== true && u.username !== username);
    const user = this.byUsername(username);
    if (user.role === 'admin' && user.disabled !== true && others.length === 0) {
      throw new UserRejected('CONFLICT', `"${username}" is the only admin who can sign in; ${change} would leave no one to manage users — create or enable another admin first`);
    }
  }

  /** disables (no sign-in, tokens refused) or enables a user */
  setDisabled(username: string, disabled: boolean): PublicUser {
    if (disabled) this.keepAnAdmin(username, 'disabling them');
    const user = this.byUsername(username);
    const changed: User = { ...user, disabled };
    if (!disabled) delete changed.disabled;
    this.save(this.users.map((u) => (u.id === user.id ? changed : u)));
    return publicUser(changed);
  }

  /** removes a user for good (what they wrote keeps their name as its author); their tokens stay refused */
  remove(username: string): void {
    this.keepAnAdmin(username, 'deleting them');
    const user = this.byUsername(username);
    // the tombstone first: a crash in between leaves the user refused, never a deleted one accepted
    const deleted = readJson<DeletedUser[]>(this.deletedFile) ?? [];
    writeJson(this.deletedFile, [...deleted, { id: user.id, username: user.username, deletedAt: new Date().toISOString() }]);
    this.save(this.users.filter((u) => u.id !== user.id));
  }

  /** a new one-time password for a user who forgot theirs or is locked out (returned once) */
  async resetPassword(username: string): Promise<{ user: PublicUser; oneTimePassword: string }> {
    const id = this.byUsername(username).id;
    const password = oneTimePassword();
    const passwordHash = await hashPassword(password);
    // re-read: another process may have written while the hash was computed
    const user = this.load().find((u) => u.id === id);
    if (!user) throw new UserRejected('NOT_FOUND', `no user "${username}" any more`);
    const changed: User = { ...user, passwordHash, mustChangePassword: true };
    this.save(this.users.map((u) => (u.id === id ? changed : u)));
    return { user: publicUser(changed), oneTimePassword: password };
  }

  /** Creates a user with a one-time password (returned once, never stored in clear). */
  async create(input: unknown): Promise<{ user: PublicUser; oneTimePassword: string }> {
    const parsed = newUserSchema.safeParse(input);
    if (!parsed.success) {
      throw new UserRejected(
        'BAD_USER_INPUT',
        `user rejected: ${parsed.error.issues.map((i) => `${i.path.join('.') || 'body'}: ${i.message}`).join('; ')}; accepted fields: username, name, role (planner|amt|admin), amt (required for role amt), tenant, privileged`,
      );
    }
    const fields = parsed.data;
    if (this.load().some((u) => u.username === fields.username)) throw new UserRejected('CONFLICT', `user "${fields.username}" exists already; choose another username`);
    const password = oneTimePassword();
    const user: User = {
      ...fields,
      id: randomUUID(),
      passwordHash: await hashPassword(password),
      mustChangePassword: true,
      createdAt: new Date().toISOString(),
    };
    // re-read: another process may have written while the hash was computed
    if (this.load().some((u) => u.username === fields.username)) throw new UserRejected('CONFLICT', `user "${fields.username}" exists already; choose another username`);
    this.save([...this.users, user]);
    return { user: publicUser(user), oneTimePassword: password };
  }

  /** The user whose password this is, or undefined; the same work either way. */
  async verify(username: string, password: string): Promise<User | undefined> {
    const user = this.load().find((u) => u.username === username);
    if (!user) {
      this.dummyHash ??= hashPassword(oneTimePassword());
      await passwordMatches(password, await this.dummyHash);
      return undefined;
    }
    return (await passwordMatches(password, user.passwordHash)) ? user : undefined;
  }

  async setPassword(id: string, password: string): Promise<void> {
    if (password.length < minPasswordLength) throw new UserRejected('BAD_USER_INPUT', `password too short: at least ${minPasswordLength} characters`);
    const passwordHash = await hashPassword(password);
    const users = this.load();
    if (!users.some((u) => u.id === id)) throw new UserRejected('BAD_USER_INPUT', `no user with id ${id}`);
    this.save(users.map((u) => (u.id === id ? { ...u, passwordHash, mustChangePassword: false } : u)));
  }

  /**
   * On first start: the first admin, with a one-time password to print. Undefined when any admin
   * exists already.
   */
  async ensureFirstAdmin(): Promise<{ user: PublicUser; oneTimePassword: string } | undefined> {
    if (this.load().some((u) => u.role === 'admin')) return undefined;
    return this.create({ username: 'admin', name: 'Administration', role: 'admin', privileged: true });
  }
}
