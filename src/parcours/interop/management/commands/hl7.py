from __future__ import annotations

from argparse import ArgumentParser
from typing import Any

from django.core.management.base import BaseCommand, CommandError
from django.utils import translation

from parcours.interop.actions import (
    Hl7ConfigError,
    NotReplayable,
    hl7_source_add,
    inbound_message_replay,
)
from parcours.interop.models import Hl7Source, InboundMessage, InboundStatus


def _disposition(value: str) -> tuple[str, str]:
    code, sep, fhir = value.partition("=")
    if not sep or not code.strip() or not fhir.strip():
        raise CommandError(f"--disposition expects SOURCE_CODE=DESTINATION, got {value!r}")
    return code.strip(), fhir.strip()


class Command(BaseCommand):
    help = (
        "HL7 v2 sources and inbound messages: `parcours hl7 source add --facility CODE "
        "--organisation CODE`, `parcours hl7 source list`, `parcours hl7 replay --message ID`."
    )

    def add_arguments(self, parser: ArgumentParser) -> None:
        areas = parser.add_subparsers(dest="area", required=True)
        source = areas.add_parser("source", help="Sending facilities and their mapping.")
        actions = source.add_subparsers(dest="action", required=True)
        add = actions.add_parser(
            "add", help="Map a sending facility (MSH-4) to a hospital; updates an existing one."
        )
        add.add_argument("--facility", required=True, help="MSH-4 namespace ID")
        add.add_argument("--organisation", required=True, help="organisation code")
        add.add_argument("--time-zone", default=None, help="default Europe/Brussels")
        add.add_argument(
            "--disposition",
            action="append",
            default=[],
            metavar="SRC=DEST",
            help="PV1-36 code → stay destination (home, home_with_services, nursing_home, "
            "rehabilitation, other_hospital, deceased, other, unknown; FHIR codes accepted); "
            "repeatable",
        )
        add.add_argument("--inactive", action="store_true", help="refuse its messages")
        actions.add_parser("list", help="List the sources.")
        replay = areas.add_parser("replay", help="Process stored messages again.")
        which = replay.add_mutually_exclusive_group(required=True)
        which.add_argument("--message", type=int, action="append", help="message ID (repeatable)")
        which.add_argument(
            "--status", choices=sorted(InboundStatus.replayable()), help="every message with it"
        )
        replay.add_argument("--facility", help="only messages from this sending facility")

    def handle(self, *args: Any, **options: Any) -> None:
        translation.activate("en")
        if options["area"] == "source":
            if options["action"] == "add":
                self._add(options)
            else:
                self._list()
        else:
            self._replay(options)

    def _add(self, options: dict[str, Any]) -> None:
        dispositions = dict(_disposition(value) for value in options["disposition"])
        try:
            change = hl7_source_add(
                facility=options["facility"],
                organisation_code=options["organisation"],
                time_zone=options["time_zone"],
                dispositions=dispositions,
            )
        except Hl7ConfigError as exc:
            raise CommandError(str(exc)) from None
        source = change.source
        if options["inactive"] == source.active:
            source.active = not options["inactive"]
            source.save(update_fields=["active"])
        verb = "created" if change.created else "updated"
        self.stdout.write(f"{verb} HL7 source {source.facility} → {source.organisation.code}")

    def _list(self) -> None:
        for source in Hl7Source.objects.select_related("organisation"):
            dispositions = ",".join(
                f"{k}={v}" for k, v in sorted(source.discharge_dispositions.items())
            )
            state = "active" if source.active else "inactive"
            self.stdout.write(
                f"{source.facility}\t{source.organisation.code}\t{source.time_zone}\t{state}\t"
                f"{dispositions or '-'}"
            )

    def _replay(self, options: dict[str, Any]) -> None:
        messages = InboundMessage.objects.order_by("pk")
        if options["message"]:
            messages = messages.filter(pk__in=options["message"])
            missing = set(options["message"]) - set(messages.values_list("pk", flat=True))
            if missing:
                raise CommandError(f"no such message: {', '.join(map(str, sorted(missing)))}")
        else:
            messages = messages.filter(status=options["status"])
        if options["facility"]:
            messages = messages.filter(sending_facility__startswith=options["facility"])
        failed = False
        for message in messages:
            try:
                replayed = inbound_message_replay(message=message)
            except NotReplayable:
                failed = failed or bool(options["message"])
                self.stdout.write(f"{message.pk}\tnot replayable ({message.status})")
                continue
            reason = f"\t{replayed.reason}" if replayed.reason else ""
            self.stdout.write(f"{replayed.pk}\t{replayed.status}\t{replayed.ack_code}{reason}")
        if failed:
            raise CommandError("some messages could not be replayed")
