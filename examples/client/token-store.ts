/**
 * Where the client keeps its session token. Async so an app can back it with the iOS Keychain or
 * Android Keystore (through its native bridge) without changing the client.
 */
export interface TokenStore {
  get(): Promise<string | null>;
  set(token: string): Promise<void>;
  clear(): Promise<void>;
}

/** A store that forgets the token when the process ends: for tests, and for SPAs by design. */
export function memoryTokenStore(): TokenStore {
  let token: string | null = null;
  return {
    get: async () => token,
    set: async (value) => {
      token = value;
    },
    clear: async () => {
      token = null;
    },
  };
}
