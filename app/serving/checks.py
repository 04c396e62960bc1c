"""What production mode refuses to start without.

Production mode is `SAFELOOP_ENV=production` (set by `flask serve` and the systemd units). In it a
missing or weak SECRET_KEY is refused at `create_app`, whatever WSGI server loads the app: sessions and
CSRF tokens are signed with it, and a guessable key lets anyone forge a login. The audit chain's HMAC key
(app/audit/keys.py) must be given explicitly too: in the environment (AUDIT_HMAC_KEY) or as a key file
(AUDIT_HMAC_KEY_FILE, mode 0600), never the key generated next to the database on first use.
"""

from __future__ import annotations

import stat
from pathlib import Path

MIN_SECRET_LENGTH = 32
MIN_DISTINCT_CHARS = 12
KNOWN_WEAK = {"dev", "secret", "changeme", "change-me", "safeloop", "test-secret", "safeloop@2026"}


class UnsafeProductionConfig(RuntimeError):
    """Raised by create_app in production mode; the message is for the operator (Chinese)."""


def secret_key_problem(key: str | None, *, from_environment: bool) -> str | None:
    """Why this SECRET_KEY may not be used in production, or None when it is fine."""
    if not key or not from_environment:
        return "生产模式必须通过环境变量 SECRET_KEY 提供密钥（不得使用自动生成的本地密钥文件）"
    if key.strip().lower() in KNOWN_WEAK:
        return "SECRET_KEY 是公开的示例值，请改用随机密钥"
    if len(key) < MIN_SECRET_LENGTH:
        return f"SECRET_KEY 过短（{len(key)} 个字符），至少需要 {MIN_SECRET_LENGTH} 个字符"
    if len(set(key)) < MIN_DISTINCT_CHARS:
        return "SECRET_KEY 过于简单（重复字符过多），请用 `python3 -c 'import secrets; print(secrets.token_hex(32))'` 生成"
    return None


def audit_key_problem(config: dict) -> str | None:
    """Why the audit chain key configuration is unfit for production, or None when it is fine."""
    from app.audit.keys import AuditKeyError, read_key_file

    if config.get("AUDIT_HMAC_KEY"):
        key, source = str(config["AUDIT_HMAC_KEY"]), "AUDIT_HMAC_KEY"
    elif config.get("AUDIT_HMAC_KEY_FILE"):
        path = Path(config["AUDIT_HMAC_KEY_FILE"])
        source = f"审计链密钥文件 {path}"
        try:
            mode = path.stat().st_mode
            key = read_key_file(path).decode("utf-8")
        except (OSError, AuditKeyError) as exc:
            return f"{source} 不可用：{exc}"
        if mode & (stat.S_IRWXG | stat.S_IRWXO):
            return f"{source} 的权限过宽（{stat.filemode(mode)}），请执行 chmod 600"
    else:
        return ("生产模式必须通过环境变量 AUDIT_HMAC_KEY（或密钥文件路径 AUDIT_HMAC_KEY_FILE）提供审计链密钥，"
                "不得使用自动生成的本地密钥文件")
    weak = secret_key_problem(key, from_environment=True)
    if weak:
        return weak.replace("SECRET_KEY", source)
    if key == config.get("SECRET_KEY"):
        return f"{source} 不得与 SECRET_KEY 相同（会话密钥泄露不应让人能伪造审计记录）"
    return None


def production_problems(config: dict) -> list[str]:
    """Every reason the configuration is unfit for production (empty when it may start)."""
    problems = []
    secret = secret_key_problem(config.get("SECRET_KEY"), from_environment=config.get("SECRET_KEY_FROM_ENV", False))
    if secret:
        problems.append(secret)
    audit_key = audit_key_problem(config)
    if audit_key:
        problems.append(audit_key)
    hops = config.get("PROXY_HOPS", 0)
    if not isinstance(hops, int) or hops < 0:
        problems.append("SAFELOOP_PROXY_HOPS 必须是非负整数（可信反向代理的层数）")
    return problems


def check_production(config: dict) -> None:
    """Raise UnsafeProductionConfig listing every problem, when production mode is on."""
    if not config.get("PRODUCTION"):
        return
    problems = production_problems(config)
    if problems:
        raise UnsafeProductionConfig("生产模式拒绝启动：\n- " + "\n- ".join(problems))
