import { dictionary } from "@zxcvbn-ts/language-common";

// zxcvbn-ts's ranked list of ~49,000 common passwords (lower case), well past NIST 800-63B's
// "at least the 10,000 most common".
const commonPasswords = new Set<string>(dictionary["passwords-common"]);

/** True when a password is on the common-password list, ignoring letter case. */
export function isCommonPassword(password: string): boolean {
  return commonPasswords.has(password.normalize("NFKC").toLowerCase());
}
