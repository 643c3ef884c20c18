import { describe, expect, it } from "vitest";
import { createPasswordHasher } from "../src/auth/password-hasher.js";
import { ServiceUnavailableError } from "../src/http/errors.js";

const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

describe("password hasher", () => {
  it("an unknown-user check refused while the queue is full works once the queue drains", async () => {
    // The first such check makes the dummy hash that later ones verify against: a refusal at
    // that moment must not be remembered, or every unknown user would get 503 from then on
    // while real users got 400, telling the two apart.
    const hasher = createPasswordHasher({ concurrency: 1, queueLimit: 0 });
    const busy = hasher.generate("a password being hashed");
    await nextTurn();
    await expect(hasher.burnVerification("guess")).rejects.toBeInstanceOf(ServiceUnavailableError);
    await busy;

    await expect(hasher.burnVerification("guess")).resolves.toBeUndefined();
  });
});
