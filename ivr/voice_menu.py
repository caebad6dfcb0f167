"""The voice menu of a call (the `ivr` phase), run by the pure ivr.menu state machine, and
the prompts-and-keys exchange with the caller that the menu and the call's notices use."""
from __future__ import annotations

import asyncio
import secrets

from ivr import lifecycle, menu
from ivr.call_context import CallContext
from ivr.prompt_texts import ticket_status_text


class VoiceMenu:
    def __init__(self, call: CallContext) -> None:
        self.call, self.ports = call, call.ports

    @staticmethod
    def notice(key: str) -> menu.Prompt:
        """A prompt played whole, without waiting for keys."""
        return menu.Prompt((key,), max_digits=0, timeout=0)

    async def run(self) -> None:
        call, policy = self.call, self.ports.policy
        config = menu.MenuConfig(policy.digit_timeout, policy.ticket_timeout)
        state, action = menu.step(menu.MenuState(), menu.Start(), config)
        while True:
            if isinstance(action, menu.ToQueue):
                call.queue, call.menu_choice = action.queue, action.choice
                await call.transition(lifecycle.MenuChosen(action.queue, action.choice))
                return
            if isinstance(action, menu.LookupTicket):
                state, action = menu.step(state, await self.lookup(action.number), config)
                continue
            digits = await self.play_and_collect(action)
            state, action = menu.step(state, menu.Keys(digits), config)

    async def lookup(self, number: str) -> menu.TicketStatus:
        found = await self.ports.tickets(number)
        self.call.record(ticket_number=number, event="ticket_query",
                         detail={"number": number, "found": found is not None})
        if found is None:
            return menu.TicketStatus(False)
        return menu.TicketStatus(True, ticket_status_text(found.number, found.status_label))

    async def media(self, prompts: tuple[menu.PromptRef, ...]) -> list[str]:
        out = []
        for ref in prompts:
            out.append(await self.ports.prompts.speak(ref.text) if isinstance(ref, menu.Text)
                       else self.ports.prompts.media(ref))
        return out

    async def play_and_collect(self, prompt: menu.Prompt) -> str:
        """Play the prompts (a key stops them), then collect keys until max_digits, the
        terminator, or `timeout` seconds without a key."""
        call, registry = self.call, self.ports.registry
        playback = f"pb-{call.call_id}-{secrets.token_hex(4)}"
        registry.add_playback(playback, call)
        await self.ports.telephony.play(call.caller, await self.media(prompt.prompts), playback)
        try:
            return await self.collect(prompt, playback)
        finally:
            registry.drop_playback(playback)

    async def collect(self, prompt: menu.Prompt, playback: str) -> str:
        digits, playing, deadline = "", True, None
        loop = asyncio.get_running_loop()
        while True:
            # a prompt never plays 300 s: the bound guards a lost PlaybackFinished
            timeout = 300.0 if playing else None if deadline is None else max(0.0, deadline - loop.time())
            message = await self.call.next(timeout)
            if message is None:
                return digits
            kind = message.get("type") if isinstance(message, dict) else None
            if kind == "PlaybackFinished" and message["playback"]["id"] == playback:
                playing = False
                if prompt.max_digits == 0:
                    return digits
                deadline = loop.time() + prompt.timeout
            elif kind == "ChannelDtmfReceived" and message["channel"]["id"] == self.call.caller \
                    and prompt.max_digits > 0:
                if playing:  # a key stops the prompt
                    playing = False
                    await self.ports.telephony.stop_playback(playback)
                if prompt.terminator and message["digit"] == prompt.terminator:
                    return digits
                digits += message["digit"]
                if len(digits) >= prompt.max_digits:
                    return digits
                deadline = loop.time() + prompt.timeout
