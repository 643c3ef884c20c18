import { z } from "@hono/zod-openapi";
import { ExistingPasswordSchema, NewPasswordSchema } from "../auth/auth.schemas.js";

export const ChangePasswordBodySchema = z
  .object({
    currentPassword: ExistingPasswordSchema,
    newPassword: NewPasswordSchema,
  })
  .openapi("ChangePasswordRequest");

export const DeleteAccountBodySchema = z
  .object({ password: ExistingPasswordSchema })
  .openapi("DeleteAccountRequest");
