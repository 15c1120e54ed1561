// Local users of the embedded provider, kept as the documents `users` and `deleted-users` of the
// identity state (identity-state.ts: <data>/identity/users.json in the embedded default, PostgreSQL in
// servers mode, shared by every replica). Passwords are
// hashed with Node's scrypt (RFC 7914) at N = 2^17, r = 8, p = 1, a 16-byte random salt and a
// 32-byte key — OWASP's recommended minimum for scrypt (128 MiB of memory per hash). The parameters
// are stored with each hash, so stronger ones can be introduced without invalidating old hashes.
// The documents are read again when another process (the CLI, another replica) changed them: at
// once for files, within `freshMs` for a database; every change is written against the version it
// read, so two processes changing users at once do not lose either change.
import { randomBytes, randomUUID, scrypt, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
import { type DocumentStore, updateDocument } from './identity-state.js';
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

export interface UserStoreOptions {
  /** how long a read of the documents is trusted before their versions are asked again (default 0: every time) */
  freshMs?: number;
}

export class UserStore {
  private users: User[] = [];
  private version: string | undefined = '';
  private deleted = new Set<string>();
  private deletedVersion: string | undefined = '';
  private checkedAt = Number.NEGATIVE_INFINITY;
  private checking: Promise<void> | undefined;
  private readonly freshMs: number;
  /** verified against when the user is unknown, so a wrong name takes as long as a wrong password */
  private dummyHash: Promise<string> | undefined;

  constructor(
    private readonly documents: DocumentStore,
    options: UserStoreOptions = {},
  ) {
    this.freshMs = options.freshMs ?? 0;
  }

  /** the users as stored now (within freshMs, or `exactly` now); concurrent callers share one check */
  private async load(exactly = false): Promise<User[]> {
    if (exactly || performance.now() - this.checkedAt >= this.freshMs) {
      this.checking ??= this.check().finally(() => {
        this.checking = undefined;
      });
      await this.checking;
    }
    return this.users;
  }

  private async check(): Promise<void> {
    const [version, deletedVersion] = await Promise.all([this.documents.version('users'), this.documents.version('deleted-users')]);
    if (version !== this.version) {
      const read = await this.documents.read<User[]>('users');
      this.users = read?.value ?? [];
      this.version = read?.version;
    }
    if (deletedVersion !== this.deletedVersion) {
      const read = await this.documents.read<DeletedUser[]>('deleted-users');
      this.deleted = new Set((read?.value ?? []).map((d) => d.id));
      this.deletedVersion = read?.version;
    }
    this.checkedAt = performance.now();
  }

  /** applies `change` to the stored users (read again when another process wrote first) */
  private async change<R>(change: (users: User[]) => { users: User[]; result: R }): Promise<R> {
    try {
      return await updateDocument<User[], R>(this.documents, 'users', (current) => {
        const { users, result } = change(current ?? []);
        return { value: users, result };
      });
    } finally {
      // read again next time, also after a refusal: the refusal saw newer users than the cache
      this.checkedAt = Number.NEGATIVE_INFINITY;
    }
  }

  /**
   * Whether the tokens of this subject are to be refused: a user an admin disabled or deleted since.
   * A subject that was never a user here is not refused by this (the signature and claims decide).
   */
  async revoked(id: string): Promise<boolean> {
    const users = await this.load();
    return users.find((u) => u.id === id)?.disabled === true || this.deleted.has(id);
  }

  async list(): Promise<PublicUser[]> {
    return (await this.load()).map(publicUser);
  }

  async byId(id: string): Promise<User | undefined> {
    return (await this.load()).find((u) => u.id === id);
  }

  /** the user who may act now: known and not disabled */
  async activeById(id: string): Promise<User | undefined> {
    const user = await this.byId(id);
    return user && user.disabled !== true ? user : undefined;
  }

  /** disables (no sign-in, tokens refused) or enables a user */
  async setDisabled(username: string, disabled: boolean): Promise<PublicUser> {
    return this.change((users) => {
      if (disabled) keepAnAdmin(users, username, 'disabling them');
      const user = byUsername(users, username);
      const changed: User = { ...user, disabled };
      if (!disabled) delete changed.disabled;
      return { users: users.map((u) => (u.id === user.id ? changed : u)), result: publicUser(changed) };
    });
  }

  /** removes a user for good (what they wrote keeps their name as its author); their tokens stay refused */
  async remove(username: string): Promise<void> {
    const users = await this.load();
    keepAnAdmin(users, username, 'deleting them');
    const user = byUsername(users, username);
    // the tombstone first: a crash in between leaves the user refused, never a deleted one accepted
    await updateDocument<DeletedUser[], void>(this.documents, 'deleted-users', (deleted) => ({
      value: [...(deleted ?? []).filter((d) => d.id !== user.id), { id: user.id, username: user.username, deletedAt: new Date().toISOString() }],
      result: undefined,
    }));
    await this.change((current) => {
      keepAnAdmin(current, username, 'deleting them');
      return { users: current.filter((u) => u.id !== user.id), result: undefined };
    });
  }

  /** a new one-time password for a user who forgot theirs or is locked out (returned once) */
  async resetPassword(username: string): Promise<{ user: PublicUser; oneTimePassword: string }> {
    const id = byUsername(await this.load(), username).id;
    const password = oneTimePassword();
    const passwordHash = await hashPassword(password);
    return this.change((users) => {
      const user = users.find((u) => u.id === id);
      if (!user) throw new UserRejected('NOT_FOUND', `no user "${username}" any more`);
      const changed: User = { ...user, passwordHash, mustChangePassword: true };
      return { users: users.map((u) => (u.id === id ? changed : u)), result: { user: publicUser(changed), oneTimePassword: password } };
    });
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
    const exists = (users: User[]) => {
      if (users.some((u) => u.username === fields.username)) throw new UserRejected('CONFLICT', `user "${fields.username}" exists already; choose another username`);
    };
    exists(await this.load());
    const password = oneTimePassword();
    const user: User = {
      ...fields,
      id: randomUUID(),
      passwordHash: await hashPassword(password),
      mustChangePassword: true,
      createdAt: new Date().toISOString(),
    };
    // against the users as stored when written: another process may have written while the hash was computed
    return this.change((users) => {
      exists(users);
      return { users: [...users, user], result: { user: publicUser(user), oneTimePassword: password } };
    });
  }

  /** The user whose password this is, or undefined; the same work either way. */
  async verify(username: string, password: string): Promise<User | undefined> {
    // a sign-in reads the users as stored now: one made or given a new password at another replica a moment ago signs in
    const user = (await this.load(true)).find((u) => u.username === username);
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
    await this.change((users) => {
      if (!users.some((u) => u.id === id)) throw new UserRejected('BAD_USER_INPUT', `no user with id ${id}`);
      return { users: users.map((u) => (u.id === id ? { ...u, passwordHash, mustChangePassword: false } : u)), result: undefined };
    });
  }

  /**
   * On first start: the first admin, with a one-time password to print. Undefined when any admin
   * exists already — also when another process (a replica starting beside this one) made it first.
   */
  async ensureFirstAdmin(): Promise<{ user: PublicUser; oneTimePassword: string } | undefined> {
    if ((await this.load()).some((u) => u.role === 'admin')) return undefined;
    try {
      return await this.create({ username: 'admin', name: 'Administration', role: 'admin', privileged: true });
    } catch (e) {
      if (e instanceof UserRejected && e.code === 'CONFLICT') return undefined;
      throw e;
    }
  }
}

function byUsername(users: User[], username: string): User {
  const user = users.find((u) => u.username === username);
  if (!user) throw new UserRejected('NOT_FOUND', `no user "${username}"; GET /auth/users lists them`);
  return user;
}

/** refuses to leave the platform without an admin who can sign in */
function keepAnAdmin(users: User[], username: string, change: string): void {
  const others = users.filter((u) => u.role === 'admin' && u.disabled !== true && u.username !== username);
  const user = byUsername(users, username);
  if (user.role === 'admin' && user.disabled !== true && others.length === 0) {
    throw new UserRejected('CONFLICT', `"${username}" is the only admin who can sign in; ${change} would leave no one to manage users — create or enable another admin first`);
  }
}
