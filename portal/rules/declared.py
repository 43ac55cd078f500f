"""Choices a policy file declares where the regulations' documents disagree (both clauses quoted, the default
chosen and why), and numbers that are the company's own setting rather than a regulation's. The regulations page
shows both, so no reading of the regulations is picked silently."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, ConfigDict, StrictStr, model_validator


class Quote(BaseModel):
    model_config = ConfigDict(extra='forbid')
    clause: StrictStr            # a clause id of schemas/regulations.toml
    text: StrictStr              # the words quoted, verbatim from that clause


class Choice(BaseModel):
    """One setting decided between two (or more) readings."""

    model_config = ConfigDict(extra='forbid')
    setting: StrictStr           # the key of this policy file that carries the choice
    label: StrictStr
    label_en: StrictStr = ''
    quotes: list[Quote]
    options: dict[str, str]      # value → what it means
    default: StrictStr           # the value shipped
    reason: StrictStr            # why the default was chosen


class CompanySetting(BaseModel):
    """A number the regulations do not give: the company's own, labelled as such."""

    model_config = ConfigDict(extra='forbid')
    setting: StrictStr
    label: StrictStr
    label_en: StrictStr = ''
    note: StrictStr              # what the regulation says (or does not) and why this value
    clause: StrictStr | None = None


class Declared(BaseModel):
    """Base of policy models: their declared choices and company settings, checked against their own keys."""

    choices: list[Choice] = []
    company_settings: list[CompanySetting] = []

    @model_validator(mode='after')
    def _settings_exist(self) -> Declared:
        for choice in self.choices:
            if choice.setting not in type(self).model_fields:
                raise ValueError(f"choice '{choice.label}': no setting '{choice.setting}' in this policy")
            if choice.default not in choice.options:
                raise ValueError(f"choice '{choice.label}': default '{choice.default}' is not one of its options")
            if str(getattr(self, choice.setting)) not in choice.options:
                raise ValueError(f"choice '{choice.label}': '{choice.setting}' = {getattr(self, choice.setting)!r} "
                                 f"is not one of {sorted(choice.options)}")
            if len(choice.quotes) < 2:
                raise ValueError(f"choice '{choice.label}': quote both clauses that disagree")
        for setting in self.company_settings:
            if setting.setting not in type(self).model_fields:
                raise ValueError(f"company setting '{setting.label}': no setting '{setting.setting}' in this policy")
        return self

    def value_of(self, setting: str) -> Any:
        return getattr(self, setting)

    def quoted_clauses(self) -> list[str]:
        return [q.clause for c in self.choices for q in c.quotes] + [s.clause for s in self.company_settings
                                                                      if s.clause]
