"""Board: posts and comments of a club. Every rule lives in the services (``board_access``, ``posts``, ``comments``)."""

from __future__ import annotations

from typing import Literal

from fastapi import APIRouter, Response, status

from api.deps import CurrentUser, OptionalReaderId, OptionalUser, SessionDep, UnitOfWorkRoute
from api.schemas.board import problems
from api.schemas.clubs import Cursor, Limit
from withus.models.comment import CommentCreate, CommentPage, CommentPublic, CommentUpdate
from withus.models.post import PostCreate, PostPage, PostPublic, PostUpdate
from withus.models.types import Id
from withus.services import comments as comment_service
from withus.services import posts as post_service

router = APIRouter(tags=["board"], route_class=UnitOfWorkRoute)

READ_403 = "Private club and not a member (`not_a_member`)."
CLUB_404 = "No such club, or it is closed (`club_not_found`)."
POST_404 = "No such post, deleted, or hidden from you (`post_not_found`); or its club is closed."
COMMENT_404 = "No such comment, deleted, or hidden from you (`comment_not_found`); or its post is gone."


@router.get(
    "/clubs/{club_id:int}/posts",
    response_model=PostPage,
    summary="A club's board",
    responses=problems(401, 422, s400="Bad `cursor` (`invalid_cursor`).", s403=READ_403, s404=CLUB_404),
)
async def list_posts(
    club_id: Id,
    session: SessionDep,
    reader_id: OptionalReaderId,
    kind: Literal["notice", "board"] | None = None,
    limit: Limit = 20,
    cursor: Cursor = None,
) -> PostPage:
    """Notices first (``pinned: true``), then newest first; ``?kind=`` keeps one kind. Reading follows the
    club's visibility. ``author_blocked`` is true when the caller blocked the author: clients collapse the
    post. Hidden posts are listed (``hidden: true``) only for the club's host, moderators and site
    administrators; deleted posts for nobody."""
    return await post_service.list_posts(
        session, club_id=club_id, reader_id=reader_id, kind=kind, limit=limit, cursor=cursor
    )


@router.post(
    "/clubs/{club_id:int}/posts",
    response_model=PostPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Write a post",
    responses=problems(
        401,
        422,
        429,
        s403="Not a member (`not_a_member`); a notice by a plain member (`notice_staff_only`).",
        s404=CLUB_404,
    ),
)
async def create_post(club_id: Id, body: PostCreate, session: SessionDep, user: CurrentUser) -> PostPublic:
    """Members write; a ``notice`` needs the host or a moderator and notifies every other member. Title
    1–100 characters on one line, body 1–5,000 characters of plain text (line breaks kept, shown escaped).
    At most 10 posts in 10 minutes per user."""
    return await post_service.do_create_post(session, club_id=club_id, user=user, data=body)


@router.get(
    "/posts/{post_id:int}",
    response_model=PostPublic,
    summary="A post",
    responses=problems(401, 422, s403=READ_403, s404=POST_404),
)
async def get_post(post_id: Id, session: SessionDep, user: OptionalUser) -> PostPublic:
    """Read per the visibility of the club that owns the post. ``can_edit`` / ``can_delete`` say what the
    caller may do."""
    return await post_service.get_post(session, post_id=post_id, user=user)


@router.patch(
    "/posts/{post_id:int}",
    response_model=PostPublic,
    summary="Edit a post",
    responses=problems(
        401, 422, s403="Not the author (`not_author`), or no longer a member (`not_a_member`).", s404=POST_404
    ),
)
async def update_post(post_id: Id, body: PostUpdate, session: SessionDep, user: CurrentUser) -> PostPublic:
    """The author only, while a member of the club: ``title`` and/or ``body``. The kind and the club never
    change. A deleted post is 404."""
    return await post_service.do_update_post(session, post_id=post_id, user=user, data=body)


@router.delete(
    "/posts/{post_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a post",
    responses=problems(
        401, 422, s403="Neither the author nor staff of the post's club (`cannot_delete`).", s404=POST_404
    ),
)
async def delete_post(post_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """The author, or the host or a moderator of the club that owns the post (or a site administrator).
    Soft: the post disappears for everyone; its comments go with it."""
    await post_service.do_delete_post(session, post_id=post_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)


@router.get(
    "/posts/{post_id:int}/comments",
    response_model=CommentPage,
    summary="A post's comments",
    responses=problems(401, 422, s400="Bad `cursor` (`invalid_cursor`).", s403=READ_403, s404=POST_404),
)
async def list_comments(
    post_id: Id, session: SessionDep, user: OptionalUser, limit: Limit = 20, cursor: Cursor = None
) -> CommentPage:
    """Top-level comments oldest first (``limit`` counts these), each with all its replies, oldest first, in
    ``replies`` (replies have an empty ``replies``). A deleted top-level comment that still has replies stays
    as "삭제된 댓글입니다" (``deleted: true``, ``author: null``); a hidden one likewise for readers who are not
    staff (``hidden: true``); without replies they are left out."""
    return await comment_service.list_comments(session, post_id=post_id, user=user, limit=limit, cursor=cursor)


@router.post(
    "/posts/{post_id:int}/comments",
    response_model=CommentPublic,
    status_code=status.HTTP_201_CREATED,
    summary="Comment or reply",
    responses=problems(
        401,
        422,
        429,
        s403="Not a member of the post's club (`not_a_member`).",
        s404=POST_404,
        s409="The comment replied to is deleted or hidden (`comment_deleted`).",
    ),
)
async def create_comment(post_id: Id, body: CommentCreate, session: SessionDep, user: CurrentUser) -> CommentPublic:
    """Members of the club that owns the post. ``parent_id`` (a comment of the same post, else 422) makes a
    reply; replies are one level deep, so a reply to a reply is attached to its top-level comment (the
    response's ``parent_id`` says where). 1–1,000 characters. Notifies the post's author (``comment``) and
    the author of the comment replied to (``reply``). At most 30 comments a minute per user."""
    return await comment_service.do_create_comment(session, post_id=post_id, user=user, data=body)


@router.patch(
    "/comments/{comment_id:int}",
    response_model=CommentPublic,
    summary="Edit a comment",
    responses=problems(
        401, 422, s403="Not the author (`not_author`), or no longer a member (`not_a_member`).", s404=COMMENT_404
    ),
)
async def update_comment(comment_id: Id, body: CommentUpdate, session: SessionDep, user: CurrentUser) -> CommentPublic:
    """The author only, while a member of the club. The answer's ``replies`` is empty (see the list)."""
    return await comment_service.do_update_comment(session, comment_id=comment_id, user=user, data=body)


@router.delete(
    "/comments/{comment_id:int}",
    status_code=status.HTTP_204_NO_CONTENT,
    response_class=Response,
    summary="Delete a comment",
    responses=problems(
        401, 422, s403="Neither the author nor staff of the post's club (`cannot_delete`).", s404=COMMENT_404
    ),
)
async def delete_comment(comment_id: Id, session: SessionDep, user: CurrentUser) -> Response:
    """The author, or the host or a moderator of the club that owns the post (or a site administrator)."""
    await comment_service.do_delete_comment(session, comment_id=comment_id, user=user)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
