-- Lucia v2 tables for @lucia-auth/adapter-mysql, plus this API's own.
-- Idempotent: safe to apply on every start. Valid on MySQL 8.0+ and MariaDB 10.11+.

CREATE TABLE IF NOT EXISTS auth_user (
  id VARCHAR(15) NOT NULL,
  -- A case-insensitive collation: `Alice` and `alice` collide here as well as on the key.
  username VARCHAR(31) CHARACTER SET utf8mb4 COLLATE utf8mb4_general_ci NOT NULL,
  PRIMARY KEY (id),
  UNIQUE KEY auth_user_username_unique (username)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

CREATE TABLE IF NOT EXISTS user_key (
  id VARCHAR(255) NOT NULL,
  user_id VARCHAR(15) NOT NULL,
  hashed_password VARCHAR(255) NULL,
  PRIMARY KEY (id),
  KEY user_key_user_id (user_id),
  CONSTRAINT user_key_user_fk FOREIGN KEY (user_id) REFERENCES auth_user (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- `id` holds SHA-256 (hex) of the session token, never the token itself.
CREATE TABLE IF NOT EXISTS user_session (
  id CHAR(64) CHARACTER SET ascii COLLATE ascii_bin NOT NULL,
  user_id VARCHAR(15) NOT NULL,
  active_expires BIGINT UNSIGNED NOT NULL,
  idle_expires BIGINT UNSIGNED NOT NULL,
  created_at BIGINT UNSIGNED NULL,
  PRIMARY KEY (id),
  KEY user_session_user_id (user_id),
  KEY user_session_idle_expires (idle_expires),
  CONSTRAINT user_session_user_fk FOREIGN KEY (user_id) REFERENCES auth_user (id)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;

-- Fixed-window counters shared by every API instance (brute-force limits).
CREATE TABLE IF NOT EXISTS rate_limit (
  bucket VARCHAR(191) NOT NULL,
  hits INT UNSIGNED NOT NULL,
  reset_at BIGINT UNSIGNED NOT NULL,
  PRIMARY KEY (bucket),
  KEY rate_limit_reset_at (reset_at)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin;
