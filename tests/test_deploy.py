"""The deployment files in deploy/ parse, and every variable they set is one the code reads.
(Docker and Kubernetes do not run here; these checks catch a renamed setting or a secret typed
into a file.)"""

from __future__ import annotations

import re
from pathlib import Path

import yaml

from core.settings import PROJECT_ROOT, Settings

DEPLOY = PROJECT_ROOT / "deploy"
SETTINGS = {f"SAHAYATRI_{name.upper()}" for name in Settings.model_fields}
ENDPOINT_VARIABLES = {
    name
    for line in (PROJECT_ROOT / "nlu" / "endpoints.yml").read_text().splitlines()
    if not line.lstrip().startswith("#")
    for name in re.findall(r"\$\{(\w+)\}", line)
}
ELSEWHERE = {"FORWARDED_ALLOW_IPS", "RASA_TELEMETRY_ENABLED"}  # uvicorn's and Rasa's own
SECRET = re.compile(r"(TOKEN|SECRET|PASSWORD|KEY|DATABASE_URL|TRACKER_URL)$")


def compose() -> dict:
    return yaml.safe_load((DEPLOY / "docker-compose.yml").read_text())


def manifests() -> list[dict]:
    return [
        document
        for path in sorted((DEPLOY / "k8s").glob("*.yaml"))
        for document in yaml.safe_load_all(path.read_text())
        if document
    ]


def containers(document: dict) -> list[dict]:
    spec = document["spec"]
    template = spec.get("jobTemplate", {}).get("spec", spec).get("template", {})
    return template.get("spec", {}).get("containers", [])


def test_compose_has_every_part_of_the_stack() -> None:
    services = compose()["services"]
    assert {"proxy", "app", "rasa-1", "rasa-2", "actions", "postgres", "redis"} <= set(services)
    assert services["app"]["deploy"]["replicas"] >= 2


def test_compose_sets_only_variables_the_code_reads() -> None:
    services = compose()["services"]
    app = set(services["app"]["environment"])
    assert app - ELSEWHERE <= SETTINGS, app - ELSEWHERE - SETTINGS
    rasa = set(services["rasa-1"]["environment"])
    assert rasa - ELSEWHERE <= ENDPOINT_VARIABLES | {"SAHAYATRI_RASA_TOKEN"}
    assert rasa >= ENDPOINT_VARIABLES, "Rasa stops when a variable of endpoints.yml is unset"
    workers = services["app"]["environment"]["SAHAYATRI_RASA_URL"].split(",")
    assert [w.split("//")[1].split(":")[0] for w in workers] == ["rasa-1", "rasa-2"]


def test_compose_secrets_come_only_from_the_environment() -> None:
    optional = {"SAHAYATRI_TELEGRAM_TOKEN", "SAHAYATRI_TELEGRAM_WEBHOOK_SECRET"}
    for service in compose()["services"].values():
        for name, value in (service.get("environment") or {}).items():
            if not SECRET.search(name) or value == "":
                continue
            marker = ":-" if name in optional else ":?"
            assert "${" in value, name
            assert marker in value, f"{name} must come from the environment"


def test_kubernetes_manifests_have_app_rasa_actions_ingress_and_backups() -> None:
    kinds = {(d["kind"], d["metadata"]["name"]) for d in manifests()}
    assert {
        ("Deployment", "sahayatri-app"),
        ("Service", "sahayatri-app"),
        ("Ingress", "sahayatri"),
        ("StatefulSet", "sahayatri-rasa"),
        ("Deployment", "sahayatri-actions"),
        ("CronJob", "sahayatri-backup"),
    } <= kinds


def test_kubernetes_env_names_are_read_by_the_code_and_secrets_are_references() -> None:
    for document in manifests():
        if document["kind"] not in ("Deployment", "StatefulSet", "CronJob"):
            continue
        for container in containers(document):
            for variable in container.get("env", []):
                name = variable["name"]
                if document["metadata"]["name"] == "sahayatri-app":
                    assert name in SETTINGS | ELSEWHERE, name
                elif document["metadata"]["name"] == "sahayatri-rasa":
                    assert name in ENDPOINT_VARIABLES | ELSEWHERE | {"SAHAYATRI_RASA_TOKEN"}, name
                if SECRET.search(name) and name != "RASA_LOCK_STORE_PASSWORD":
                    assert "secretKeyRef" in variable.get("valueFrom", {}), name


def test_the_proxy_passes_live_channels_unbuffered() -> None:
    conf = (DEPLOY / "nginx.conf").read_text()
    assert "proxy_buffering off" in conf and "X-Forwarded-For" in conf
    assert re.search(r"location ~ .*events", conf)
    assert Path(DEPLOY / "postgres-init.sql").read_text().count("CREATE DATABASE rasa") == 1
