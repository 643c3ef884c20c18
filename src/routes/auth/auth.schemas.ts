import { z } from "@hono/zod-openapi";

/** Code points of the NFKC form: what the password rules count. */
const normalizedLength = (value: string) => [...value.normalize("NFKC")].length;

const loneSurrogate = /\p{Cs}/u;

/**
 * Password rules, one message per password: the length, counted after NFKC (an oversized string
 * refused before it is normalised), then, for new passwords, well-formed Unicode. A lone
 * surrogate (JSON allows "\ud800") is no character: UTF-8 encoding turns every one into U+FFFD,
 * so "\ud800" and "\udfff" would be the same password. Existing passwords are not held to that
 * rule, so an account made before it still signs in.
 */
const passwordRule = (min: number, max: number, wellFormed: boolean) =>
  z
    .string()
    .superRefine((value, ctx) => {
      // Cheap bound first (a code point is at most 2 UTF-16 units, and NFKC can expand).
      const length = value.length > max * 4 ? Number.POSITIVE_INFINITY : normalizedLength(value);
      if (length < min || length > max) {
        ctx.addIssue({
          code: "custom",
          message: `Use ${min} to ${max} characters (after Unicode NFKC normalisation)`,
        });
      } else if (wellFormed && loneSurrogate.test(value)) {
        ctx.addIssue({
          code: "custom",
          message:
            "Use Unicode text: the password contains an unpaired surrogate (\\uD800–\\uDFFF)",
        });
      }
    })
    .openapi({ minLength: min, maxLength: max });

export const NewPasswordSchema = passwordRule(8, 255, true).openapi({
  description:
    "8–255 characters, any Unicode text (spaces and emoji included; unpaired surrogates refused), counted as code points after NFKC normalisation. Never truncated. Common passwords are refused.",
  example: "correct horse battery staple",
});

export const ExistingPasswordSchema = passwordRule(1, 255, false).openapi({
  description:
    "The current password (1–255 characters, so accounts made under older rules still work).",
  example: "correct horse battery staple",
});

export const SignupBodySchema = z
  .object({
    username: z
      .string()
      .regex(/^[A-Za-z0-9_-]{4,31}$/, "Use 4 to 31 characters: letters A–Z, digits, _ or -")
      .openapi({
        description:
          "4–31 characters from A–Z a–z 0–9 _ -. Shown as typed; unique regardless of letter case.",
        example: "Alice_01",
      }),
    password: NewPasswordSchema,
  })
  .openapi("SignupRequest");

export const LoginBodySchema = z
  .object({
    username: z.string().min(1).max(31).openapi({
      description: "The username in any letter case (1–31 characters).",
      example: "alice_01",
    }),
    password: ExistingPasswordSchema,
  })
  .openapi("LoginRequest");

const timestamp = (description: string) =>
  z.string().openapi({ format: "date-time", description, example: "2026-11-27T18:00:00.000Z" });

export const UserSchema = z
  .object({
    userId: z.string().openapi({ example: "k3j9x0p2m4q8w1z" }),
    username: z.string().openapi({ example: "Alice_01" }),
  })
  .openapi("User");

export const SessionResponseSchema = z
  .object({
    sessionId: z.string().openapi({
      description: "The bearer token: send it as `Authorization: Bearer <sessionId>`.",
      example: "r6yx2kqz0bq8v1c3n5m7l9j2h4g6f8d0s1a3p5o7",
    }),
    user: UserSchema,
    activePeriodExpiresAt: timestamp(
      "Until then the session is active; after it, using the session renews it.",
    ),
    idlePeriodExpiresAt: timestamp("After this the session is gone for good."),
  })
  .openapi("SessionResponse");

export const MeResponseSchema = z
  .object({
    user: UserSchema,
    session: z.object({
      activePeriodExpiresAt: timestamp("End of the active period (renewed when passed)."),
      idlePeriodExpiresAt: timestamp("End of the idle period."),
    }),
  })
  .openapi("MeResponse");
