/// <reference types="lucia" />
declare namespace Lucia {
  type Auth = import("./auth.js").Auth;
  type DatabaseUserAttributes = {
    username: string;
  };
  // biome-ignore lint/complexity/noBannedTypes: Lucia's documented shape for "no attributes"
  type DatabaseSessionAttributes = {};
}
