"""A candidate's private thread with their recruiter, its read marks, and the company FAQ."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from portal.core.clock import utcnow
from portal.core.models import Base, UTCDateTime
from portal.people.models import User


class Message(Base):
    """One message in a candidate's thread: a question when the candidate wrote it, else an answer.

    Removing a message erases its text and keeps its place, so the thread still reads in order.
    """

    __tablename__ = "messages"
    __table_args__ = (
        # The form carries a random key: a double click posts it twice, it is stored once.
        UniqueConstraint("author_id", "client_key", name="uq_messages_author_client_key"),
        Index("ix_messages_thread", "candidate_id", "id"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True
    )
    body: Mapped[str | None] = mapped_column(Text, default=None)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    removed_at: Mapped[datetime | None] = mapped_column(UTCDateTime, default=None)
    client_key: Mapped[str | None] = mapped_column(String(64), default=None)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])

    @property
    def is_question(self) -> bool:
        return self.author_id == self.candidate_id

    @property
    def is_removed(self) -> bool:
        return self.removed_at is not None


class ThreadRead(Base):
    """How far a reader has read a thread: messages after this id are unread for them."""

    __tablename__ = "thread_reads"

    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    reader_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    last_read_message_id: Mapped[int] = mapped_column(Integer, default=0)
    read_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)


class FaqEntry(Base):
    """A question and answer every candidate can read, written without anyone's name."""

    __tablename__ = "faq_entries"

    id: Mapped[int] = mapped_column(primary_key=True)
    question: Mapped[str] = mapped_column(String(300))
    answer: Mapped[str] = mapped_column(Text)
    published: Mapped[bool] = mapped_column(Boolean, default=True)
    created_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), default=None
    )
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    created_by: Mapped[User | None] = relationship()
