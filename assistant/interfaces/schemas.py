"""The JSON request bodies of the HTTP APIs (``/api`` and the filters of ``/v1``), validated by pydantic."""
from __future__ import annotations

from typing import Any

from pydantic import BaseModel, Field


class Filters(BaseModel):
    kind: list[str] = Field(default_factory=list, description="文档类型：report / law / case / other")
    year_from: int | None = None
    year_to: int | None = None
    source: list[str] = Field(default_factory=list, description="只在这些文档中检索")
    law_kind: list[str] = Field(default_factory=list, description="法律文件类型：法律 / 行政法规 / 司法解释 / 部门规章 / 地方性法规 / 宪法 / 案例")
    level: list[str] = Field(default_factory=list, description="制定层级：国家 / 地方")
    region: list[str] = Field(default_factory=list, description="地区（地方性法规），如 北京")


class AskRequest(Filters):
    id: Any = None
    question: str = Field(description="问题（中文或英文）")


class SearchRequest(Filters):
    query: str
    k: int = Field(10, ge=1, le=100)


class ChatRequest(Filters):
    session: str = Field(min_length=1, max_length=128, description="会话标识（客户端生成，如 UUID）；同一会话的追问按上下文理解")
    message: str = Field(description="本轮问题，可以是追问（“那2022年呢？”）")


class VerifyRequest(BaseModel):
    id: Any = None
    claim: str = Field(description="要核查的一句话")
