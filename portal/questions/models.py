"""A candidate's private thread with their recruiter, its read marks and closures, and the
company FAQ."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import (
    Boolean,
    ForeignKey,
    Index,
    Integer,
    String,
    Text,
    UniqueConstraint,
    false,
)
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
    # A candidate's message that only thanks or agrees ("thanks!", "ok 👍"): set when it is
    # posted, by questions.waiting.is_acknowledgement; it waits for no answer after one.
    acknowledgement: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    # In what capacity staff wrote it (Answerer: recruiter, backup, hr); None for a question,
    # or for an answer written before it was recorded (then the author's role says).
    answered_as: Mapped[str | None] = mapped_column(String(12), default=None)
    # The recruiter a backup answered for, named beside the answer ("covering for Ana Ruiz").
    covering_for_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
    covering_for: Mapped[User | None] = relationship(foreign_keys=[covering_for_id])

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


class ThreadUnread(Base):
    """How many messages of a thread its recruiter, or its backup recruiter, has not read yet
    (a row only while there are some), for the recruiters' menu badge: their own rows summed,
    rather than every message of every candidate they look after counted on each page.

    Kept by portal.questions.unread, recounted from the messages and read marks whenever a
    transaction changes the thread's messages, a read mark in it or who follows it; a recruiter
    covering for someone away counts those threads live (the absence moves no row)."""

    __tablename__ = "thread_unread"

    reader_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True
    )
    candidate_id: Mapped[int] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), primary_key=True, index=True
    )
    messages: Mapped[int] = mapped_column(Integer)


class ThreadClosure(Base):
    """A thread marked "no reply needed": nothing in it up to `through_message_id` waits for
    an answer. A question after it waits again (the thread is reopened); taking the mark back
    deletes the row, and the previous closure, if any, counts again."""

    __tablename__ = "thread_closures"
    __table_args__ = (Index("ix_thread_closures_thread", "candidate_id", "through_message_id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    # The last message the closer saw: a message id of the thread (no foreign key, as
    # ThreadRead.last_read_message_id).
    through_message_id: Mapped[int] = mapped_column(Integer)
    closed_by_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    closed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    closed_by: Mapped[User | None] = relationship(foreign_keys=[closed_by_id])


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


class SavedReply(Base):
    """A reply staff insert into an answer instead of typing it again: a recruiter's own, or
    one HR shares with every recruiter (`shared`). Placeholders such as {first_name} are
    filled when it is inserted (questions.saved_replies)."""

    __tablename__ = "saved_replies"
    __table_args__ = (Index("ix_saved_replies_owner", "owner_id", "title"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    # Who wrote it: the recruiter it belongs to, or the HR person who shared it.
    owner_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="CASCADE"), default=None
    )
    shared: Mapped[bool] = mapped_column(Boolean, default=False, server_default=false())
    title: Mapped[str] = mapped_column(String(80))
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    owner: Mapped[User | None] = relationship()


class CandidateNote(Base):
    """A private note staff keep about a candidate: read by their recruiter, their backup,
    whoever covers for the recruiter, and HR; never by the candidate, never in the API. The
    audit log says a note was added, never what it says; it goes with the candidate
    (retention)."""

    __tablename__ = "candidate_notes"
    __table_args__ = (Index("ix_candidate_notes_candidate", "candidate_id", "id"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    candidate_id: Mapped[int] = mapped_column(ForeignKey("users.id", ondelete="CASCADE"))
    author_id: Mapped[int | None] = mapped_column(
        ForeignKey("users.id", ondelete="SET NULL"), index=True, default=None
    )
    body: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    author: Mapped[User | None] = relationship(foreign_keys=[author_id])
