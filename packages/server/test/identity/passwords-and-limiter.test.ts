/** Password hashes (scrypt, versioned) and the login rate limiter's sliding window, on a hand-moved clock. */
import assert from "node:assert/strict";
import test from "node:test";
import { LoginLimiter } from "../../src/identity/users/login-limiter.ts";
import { hashPassword, verifyPassword } from "../../src/identity/users/passwords.ts";

test("a password hash is salted, versioned scrypt and verifies only its password", async () => {
  const first = await hashPassword("correct horse battery staple");
  const second = await hashPassword("correct horse battery staple");
  assert.match(first, /^scrypt\$1\$15\$8\$1\$[A-Za-z0-9_-]{22}\$[A-Za-z0-9_-]{43}$/);
  assert.notEqual(first, second, "two hashes of one password share a salt");
  assert.equal(await verifyPassword("correct horse battery staple", first), true);
  assert.equal(await verifyPassword("correct horse battery stapl", first), false);
  assert.equal(await verifyPassword("", first), false);
  // Unicode is normalised: the same password typed on two keyboards verifies.
  const composed = await hashPassword("caf\u00e9 au lait 1234");
  assert.equal(await verifyPassword("cafe\u0301 au lait 1234", composed), true);
  // A hash of another scheme or version, or a mangled one, never verifies (and never throws).
  for (const stored of [
    first.replace("scrypt$1$", "scrypt$2$"),
    first.replace("scrypt$", "bcrypt$"),
    "scrypt$1$x$8$1$abc$def",
    "scrypt$1",
    "",
  ])
    assert.equal(await verifyPassword("correct horse battery staple", stored), false, stored);
  // Old parameters keep verifying after a change of defaults: they are read from the hash.
  const [, , , r, p, salt] = first.split("$");
  assert.equal(await verifyPassword("x", `scrypt$1$14$${r}$${p}$${salt}$AAAA`), false);
});

test("failed logins are limited per address and per user in a sliding window", () => {
  let now = 1_000_000;
  const limiter = new LoginLimiter(() => now, { maxFailures: 3, windowMs: 60_000 });
  assert.equal(limiter.retryAfterSeconds("10.0.0.1", "vera"), 0);
  for (let i = 0; i < 3; i++) {
    limiter.failed("10.0.0.1", `guess${i}`);
    now += 10_000;
  }
  // The address is over the limit whatever the name; another address is not.
  assert.equal(limiter.retryAfterSeconds("10.0.0.1", "vera"), 30);
  assert.equal(limiter.retryAfterSeconds("10.0.0.2", "vera"), 0);
  // The window slides: once the first failure is a minute old, one more try is allowed.
  now += 30_000;
  assert.equal(limiter.retryAfterSeconds("10.0.0.1", "vera"), 0);
  // Per user, from many addresses (and the name's case does not matter).
  for (let i = 0; i < 3; i++) limiter.failed(`10.1.0.${i}`, i === 0 ? "Otto" : "otto");
  assert.equal(limiter.retryAfterSeconds("10.9.9.9", "otto"), 60);
  assert.equal(limiter.retryAfterSeconds("10.9.9.9", "vera"), 0);
  now += 60_000;
  assert.equal(limiter.retryAfterSeconds("10.9.9.9", "otto"), 0);
});
