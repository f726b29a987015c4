"""Command line verbs behind the Makefile: content-check, content-import/export, nlu-data, train, eval."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import os
import sys
from pathlib import Path

from core.accounts import ROLES, AccountError, create_account
from core.content import load_topics
from core.content_check import check_repository
from core.content_store import export_content, import_content
from core.db import create_engine, migrate, session_factory, transaction
from core.launcher import is_healthy, running_stack
from core.nlu_data import write_nlu_data
from core.risk_check import load_scoring
from core.settings import PROJECT_ROOT, Settings
from core.training import NLU_DIR, ensure_model, model_path

CONTRACT = PROJECT_ROOT.parent / "shared" / "topics.yml"


def content_check(args: argparse.Namespace) -> int:
    """Validate the content repository; print every problem."""
    problems = check_repository(args.content, args.contract, NLU_DIR)
    for problem in problems:
        print(f"content-check: {problem}")
    print(f"content-check: {'OK' if not problems else f'{len(problems)} problem(s)'}")
    return 1 if problems else 0


def nlu_data(args: argparse.Namespace) -> int:
    """Regenerate the Rasa training data and domain from content/."""
    changed = write_nlu_data(load_topics(args.content), load_scoring(args.content), NLU_DIR)
    print(f"nlu-data: {len(changed)} file(s) rewritten")
    return 0


def train(_args: argparse.Namespace) -> int:
    """Train the model unless one for the current data exists."""
    model, trained = ensure_model()
    print(f"train: {model.name} ({'trained' if trained else 'reused'})")
    return 0


def show_model_path(_args: argparse.Namespace) -> int:
    """Print where the model for the current training data is."""
    print(model_path())
    return 0


async def _with_store(settings: Settings, content: Path, export: bool) -> int:
    engine = create_engine(settings.database_url)
    try:
        async with transaction(session_factory(engine)) as session:
            if export:
                return await export_content(session, content)
            return await import_content(session, content, author="cli")
    finally:
        await engine.dispose()


def content_import(args: argparse.Namespace) -> int:
    """Publish content/ into the live store (a revision per changed topic)."""
    settings = Settings()
    migrate(settings.database_url)
    count = asyncio.run(_with_store(settings, args.content, export=False))
    print(f"content-import: {count} topic(s) changed")
    return 0


def content_export(args: argparse.Namespace) -> int:
    """Write the live store back to content/."""
    settings = Settings()
    migrate(settings.database_url)
    count = asyncio.run(_with_store(settings, args.content, export=True))
    print(f"content-export: {count} topic(s) written")
    return 0


def create_account_command(args: argparse.Namespace) -> int:
    """Create a console/editor account; the password is read from standard input, never a flag."""
    password = _read_password()
    settings = Settings()
    migrate(settings.database_url)
    return _create(settings, args, password, "create-account")


def _create(settings: Settings, args: argparse.Namespace, password: str, verb: str) -> int:
    async def create() -> None:
        engine = create_engine(settings.database_url)
        try:
            async with transaction(session_factory(engine)) as session:
                await create_account(
                    session, args.username, args.name or args.username, args.role, password
                )
        finally:
            await engine.dispose()

    try:
        asyncio.run(create())
    except AccountError as error:
        print(f"{verb}: {error}")
        return 1
    print(f"{verb}: {args.username} ({args.role}) created")
    return 0


def purge(args: argparse.Namespace) -> int:
    """Delete messages, notes, unanswered questions and Rasa events past the retention limit now."""
    from datetime import timedelta

    from core.retention import purge_expired

    settings = Settings()
    migrate(settings.database_url)
    days = args.days or settings.retention_days

    async def run() -> str:
        engine = create_engine(settings.database_url)
        try:
            done = await purge_expired(
                session_factory(engine), settings.rasa_tracker_url, timedelta(days=days)
            )
        finally:
            await engine.dispose()
        return (
            f"{done.conversations} conversation(s), {done.messages} message(s), "
            f"{done.notes} note(s), {done.unanswered} unanswered question(s), "
            f"{done.tracker_events} Rasa event(s)"
        )

    print(f"purge: older than {days} days deleted: {asyncio.run(run())}")
    return 0


def bootstrap_admin(args: argparse.Namespace) -> int:
    """Create the first admin account; refused once any admin exists. The password comes from
    SAHAYATRI_ADMIN_PASSWORD or a prompt (standard input), never a default or a flag."""
    import os

    from sqlalchemy import select

    from core.models import Account

    settings = Settings()
    migrate(settings.database_url)

    async def has_admin() -> bool:
        engine = create_engine(settings.database_url)
        try:
            async with session_factory(engine)() as session:
                return (
                    await session.scalar(select(Account.id).where(Account.role == "admin"))
                    is not None
                )
        finally:
            await engine.dispose()

    if asyncio.run(has_admin()):
        print("bootstrap-admin: an admin already exists; admins create further accounts")
        return 1
    password = os.environ.get("SAHAYATRI_ADMIN_PASSWORD") or _read_password()
    args.role, args.name = "admin", args.name or args.username
    return _create(settings, args, password, "bootstrap-admin")


def _read_password() -> str:
    if sys.stdin.isatty():
        return getpass.getpass("Password: ")
    return sys.stdin.readline().rstrip("\n")


def telegram_webhook(args: argparse.Namespace) -> int:
    """Register this app's webhook with Telegram (or --delete it to go back to polling)."""
    from bot.telegram_app import delete_webhook, set_webhook

    settings = Settings()
    token = settings.telegram_token.get_secret_value()
    if not token:
        print("telegram-webhook: set SAHAYATRI_TELEGRAM_TOKEN first")
        return 1
    if args.delete:
        asyncio.run(delete_webhook(token, settings.telegram_api_url))
        print("telegram-webhook: deleted; the app polls again")
        return 0
    try:
        url = asyncio.run(
            set_webhook(
                token,
                settings.telegram_api_url,
                settings.public_url,
                settings.telegram_webhook_secret.get_secret_value(),
            )
        )
    except ValueError as error:
        print(f"telegram-webhook: {error}")
        return 1
    print(f"telegram-webhook: Telegram now sends updates to {url}")
    return 0


def evaluate(args: argparse.Namespace) -> int:
    """Run an evaluation CSV through the running stack (started here if it is not running)."""
    from core.evaluation import evaluate as run_file

    settings = Settings()
    if is_healthy(settings):
        run_file(settings.public_url, args.file)
        return 0
    # The stack started here serves only this evaluation from loopback: no per-IP limit.
    os.environ["SAHAYATRI_MESSAGES_PER_MINUTE_PER_IP"] = "1000000"
    with running_stack(settings, PROJECT_ROOT / "var"):
        run_file(settings.public_url, args.file)
    return 0


def main(argv: list[str] | None = None) -> int:
    """Parse the verb and run it."""
    parser = argparse.ArgumentParser(prog="sahayatri")
    parser.add_argument("--content", type=Path, default=PROJECT_ROOT / "content")
    verbs = parser.add_subparsers(dest="verb", required=True)
    check = verbs.add_parser("content-check", help=content_check.__doc__)
    check.add_argument("--contract", type=Path, default=CONTRACT)
    check.set_defaults(func=content_check)
    verbs.add_parser("nlu-data", help=nlu_data.__doc__).set_defaults(func=nlu_data)
    verbs.add_parser("train", help=train.__doc__).set_defaults(func=train)
    verbs.add_parser("model-path", help=show_model_path.__doc__).set_defaults(func=show_model_path)
    verbs.add_parser("content-import", help=content_import.__doc__).set_defaults(
        func=content_import
    )
    verbs.add_parser("content-export", help=content_export.__doc__).set_defaults(
        func=content_export
    )
    account = verbs.add_parser("create-account", help=create_account_command.__doc__)
    account.add_argument("--username", required=True)
    account.add_argument("--name", default="")
    account.add_argument("--role", required=True, choices=ROLES)
    account.set_defaults(func=create_account_command)
    run_purge = verbs.add_parser("purge", help=purge.__doc__)
    run_purge.add_argument("--days", type=int, default=0, help="default: SAHAYATRI_RETENTION_DAYS")
    run_purge.set_defaults(func=purge)
    admin = verbs.add_parser("bootstrap-admin", help=bootstrap_admin.__doc__)
    admin.add_argument("--username", default="admin")
    admin.add_argument("--name", default="")
    admin.set_defaults(func=bootstrap_admin)
    webhook = verbs.add_parser("telegram-webhook", help=telegram_webhook.__doc__)
    webhook.add_argument("--delete", action="store_true")
    webhook.set_defaults(func=telegram_webhook)
    run_eval = verbs.add_parser("eval", help=evaluate.__doc__)
    run_eval.add_argument("file", type=Path)
    run_eval.set_defaults(func=evaluate)
    args = parser.parse_args(argv)
    result: int = args.func(args)
    return result


if __name__ == "__main__":
    sys.exit(main())
