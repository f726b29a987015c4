"""Command line verbs behind the Makefile: content-check, content-import/export, nlu-data, train, eval."""

from __future__ import annotations

import argparse
import asyncio
import getpass
import sys
from pathlib import Path

from core.accounts import ROLES, AccountError, create_account
from core.content import load_topics
from core.content_check import check_repository
from core.content_store import export_content, import_content
from core.db import create_engine, migrate, session_factory, transaction
from core.launcher import is_healthy, running_stack
from core.nlu_data import write_nlu_data
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
    changed = write_nlu_data(load_topics(args.content), NLU_DIR)
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
    password = (
        getpass.getpass("Password: ") if sys.stdin.isatty() else sys.stdin.readline().rstrip("\n")
    )

    settings = Settings()
    migrate(settings.database_url)

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
        print(f"create-account: {error}")
        return 1
    print(f"create-account: {args.username} ({args.role}) created")
    return 0


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
