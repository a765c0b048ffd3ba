"""Throughput of HttpClient against a FakeAPI on loopback, and of a full Example connector read."""

from __future__ import annotations

import argparse
import logging
import time

import structlog

from slabridge.testing.example import ExampleConfig, ExampleConnector, ExampleFake

TOKEN = "bench-token-1234"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--tickets", type=int, default=5000)
    parser.add_argument("--page-size", type=int, default=100)
    args = parser.parse_args()
    structlog.configure(wrapper_class=structlog.make_filtering_bound_logger(logging.WARNING))
    with ExampleFake(tokens={TOKEN: "admin"}) as fake:
        for _ in range(args.tickets):
            fake.create_ticket(tags=["vip"], custom={"region": "EU"})
        config = ExampleConfig.model_validate(
            {
                "type": "example",
                "base_url": fake.base_url,
                "token": TOKEN,
                "page_size": args.page_size,
            }
        )
        connector = ExampleConnector("bench", config)
        started = time.perf_counter()
        for _ in range(args.requests):
            connector.http.get("/api/me")
        seconds = time.perf_counter() - started
        print(f"GET round trips: {args.requests / seconds:,.0f} requests/s ({args.requests} calls)")
        started = time.perf_counter()
        tickets = sum(1 for item in connector.read(None) if not hasattr(item, "cursor"))
        seconds = time.perf_counter() - started
        print(
            f"full read: {tickets} tickets in {seconds * 1000:,.0f} ms "
            f"({tickets / seconds:,.0f} tickets/s, {connector.api_calls() - args.requests} pages)"
        )
        connector.close()


if __name__ == "__main__":
    main()
