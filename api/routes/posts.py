"""Board: posts and comments of a club. Every rule lives in ``withus.services.board``."""

from __future__ import annotations

from typing import Annotated, Literal

from fastapi import APIRouter, Query, Response, status

from api.deps import CurrentUser, OptionalUser, SessionDep
from withus.models.comment import CommentCreate, CommentPage, CommentPublic, CommentUpdate
from withus.models.post import PostCreate, PostPage, PostPublic, PostUpdate
from withus.services import board as board_service

router = APIRouter(tags=["board"])

Limit = Annotated[int | None, Query(description="page size (default 20, at most 100)")]
Cursor = Annotated[str | None, Query(description="`next_cursor` of the previous page")]


@router.get("/clubs/{club_id}/posts", response_model=PostPage, summary="A club's board")
async def list_posts(
    club_id: int,
    session: SessionDep,
    user: OptionalUser,
    kind: Literal["notice", "board"] | None = None,
    limit: Limit = None,
    cursor: Cursor = None,
) -> PostPage:
    """Notices first (``pinned``), then newest first. Private clubs: members only (403 ``not_a_member``).
    ``author_blocked`` is true when the caller blocked the author: clients collapse the post.
    Hidden posts are listed (``hidden: true``) only for the club's host, moderators and site administrators."""
    return await board_service.list_posts(session, club_id=club_id, user=user, kind=kind, limit=limit, cursor=cursor)


@router.post(
    "/clubs/{club_id}/posts",
    response_model=PostPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Write a post",
)
async def create_post(club_id: int, body: PostCreate, session: SessionDep, user: CurrentUser) -> PostPublic:
    """Members write; a ``notice`` needs the host or a moderator (403 ``notice_staff_only``) and notifies
    every other member. Title 1–100, body 1–5,000 characters of plain text. 429 past 10 posts in 10 minutes."""
    return await board_service.do_create_post(session, club_id=club_id, user=user, data=body)


@router.get("/posts/{post_id}", response_model=PostPublic, summary="A post")
async def get_post(post_id: int, session: SessionDep, user: OptionalUser) -> PostPublic:
    """Read per the club's visibility. Deleted posts, and hidden ones for all but staff, are 404."""
    return await board_service.get_post(session, post_id=post_id, user=user)


@router.patch("/posts/{post_id}", response_model=PostPublic, summary="Edit a post")
async def update_post(post_id: int, body: PostUpdate, session: SessionDep, user: CurrentUser) -> PostPublic:
    """The author only (403 ``not_author``), while a member; ``title`` and/or ``body``. A deleted post is 404."""
    return await board_service.do_update_post(session, post_id=post_id, user=user, data=body)


@router.delete("/posts/{post_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a post")
async def delete_post(post_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """The author, or the host or a moderator of the club that owns the post (403 ``cannot_delete``)."""
    await board_service.do_delete_post(session, post_id=post_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get("/posts/{post_id}/comments", response_model=CommentPage, summary="A post's comments")
async def list_comments(
    post_id: int, session: SessionDep, user: OptionalUser, limit: Limit = None, cursor: Cursor = None
) -> CommentPage:
    """Top-level comments oldest first (paginated), each with its replies oldest first in ``replies``.
    A deleted comment that has replies stays as "삭제된 댓글입니다" (``deleted: true``, no author)."""
    return await board_service.list_comments(session, post_id=post_id, user=user, limit=limit, cursor=cursor)


@router.post(
    "/posts/{post_id}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Comment or reply",
)
async def create_comment(post_id: int, body: CommentCreate, session: SessionDep, user: CurrentUser) -> CommentPublic:
    """Members of the post's club. ``parent_id`` makes a reply; replies are one level deep, so a reply to a
    reply is attached to its top-level comment (the response's ``parent_id`` says where). 1–1,000 characters;
    429 past 30 comments a minute."""
    return await board_service.do_create_comment(session, post_id=post_id, user=user, data=body)


@router.patch("/comments/{comment_id}", response_model=CommentPublic, summary="Edit a comment")
async def update_comment(comment_id: int, body: CommentUpdate, session: SessionDep, user: CurrentUser) -> CommentPublic:
    """The author only (403 ``not_author``), while a member."""
    return await board_service.do_update_comment(session, comment_id=comment_id, user=user, data=body)


@router.delete("/comments/{comment_id}", status_code=status.HTTP_204_NO_CONTENT, summary="Delete a comment")
async def delete_comment(comment_id: int, session: SessionDep, user: CurrentUser) -> Response:
    """The author, or the host or a moderator of the club that owns the post (403 ``cannot_delete``)."""
    await board_service.do_delete_comment(session, comment_id=comment_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
