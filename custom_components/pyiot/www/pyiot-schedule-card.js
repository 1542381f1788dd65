/* pyiot-schedule-card e099a91fdf423c0a (built from frontend/ by scripts/build-frontend) */
var I=globalThis,W=I.ShadowRoot&&(I.ShadyCSS===void 0||I.ShadyCSS.nativeShadow)&&"adoptedStyleSheets"in Document.prototype&&"replace"in CSSStyleSheet.prototype,Z=Symbol(),pt=new WeakMap,R=class{constructor(t,e,r){if(this._$cssResult$=!0,r!==Z)throw Error("CSSResult is not constructable. Use `unsafeCSS` or `css` instead.");this.cssText=t,this.t=e}get styleSheet(){let t=this.o,e=this.t;if(W&&t===void 0){let r=e!==void 0&&e.length===1;r&&(t=pt.get(e)),t===void 0&&((this.o=t=new CSSStyleSheet).replaceSync(this.cssText),r&&pt.set(e,t))}return t}toString(){return this.cssText}},gt=i=>new R(typeof i=="string"?i:i+"",void 0,Z),X=(i,...t)=>{let e=i.length===1?i[0]:t.reduce((r,s,n)=>r+(a=>{if(a._$cssResult$===!0)return a.cssText;if(typeof a=="number")return a;throw Error("Value passed to 'css' function must be a 'css' function result: "+a+". Use 'unsafeCSS' to pass non-literal values, but take care to ensure page security.")})(s)+i[n+1],i[0]);return new R(e,i,Z)},mt=(i,t)=>{if(W)i.adoptedStyleSheets=t.map(e=>e instanceof CSSStyleSheet?e:e.styleSheet);else for(let e of t){let r=document.createElement("style"),s=I.litNonce;s!==void 0&&r.setAttribute("nonce",s),r.textContent=e.cssText,i.appendChild(r)}},J=W?i=>i:i=>i instanceof CSSStyleSheet?(t=>{let e="";for(let r of t.cssRules)e+=r.cssText;return gt(e)})(i):i;var{is:It,defineProperty:Wt,getOwnPropertyDescriptor:jt,getOwnPropertyNames:Vt,getOwnPropertySymbols:Kt,getPrototypeOf:qt}=Object,j=globalThis,_t=j.trustedTypes,Ft=_t?_t.emptyScript:"",Yt=j.reactiveElementPolyfillSupport,D=(i,t)=>i,Q={toAttribute(i,t){switch(t){case Boolean:i=i?Ft:null;break;case Object:case Array:i=i==null?i:JSON.stringify(i)}return i},fromAttribute(i,t){let e=i;switch(t){case Boolean:e=i!==null;break;case Number:e=i===null?null:Number(i);break;case Object:case Array:try{e=JSON.parse(i)}catch{e=null}}return e}},yt=(i,t)=>!It(i,t),ft={attribute:!0,type:String,converter:Q,reflect:!1,useDefault:!1,hasChanged:yt};Symbol.metadata??=Symbol("metadata"),j.litPropertyMetadata??=new WeakMap;var f=class extends HTMLElement{static addInitializer(t){this._$Ei(),(this.l??=[]).push(t)}static get observedAttributes(){return this.finalize(),this._$Eh&&[...this._$Eh.keys()]}static createProperty(t,e=ft){if(e.state&&(e.attribute=!1),this._$Ei(),this.prototype.hasOwnProperty(t)&&((e=Object.create(e)).wrapped=!0),this.elementProperties.set(t,e),!e.noAccessor){let r=Symbol(),s=this.getPropertyDescriptor(t,r,e);s!==void 0&&Wt(this.prototype,t,s)}}static getPropertyDescriptor(t,e,r){let{get:s,set:n}=jt(this.prototype,t)??{get(){return this[e]},set(a){this[e]=a}};return{get:s,set(a){let l=s?.call(this);n?.call(this,a),this.requestUpdate(t,l,r)},configurable:!0,enumerable:!0}}static getPropertyOptions(t){return this.elementProperties.get(t)??ft}static _$Ei(){if(this.hasOwnProperty(D("elementProperties")))return;let t=qt(this);t.finalize(),t.l!==void 0&&(this.l=[...t.l]),this.elementProperties=new Map(t.elementProperties)}static finalize(){if(this.hasOwnProperty(D("finalized")))return;if(this.finalized=!0,this._$Ei(),this.hasOwnProperty(D("properties"))){let e=this.properties,r=[...Vt(e),...Kt(e)];for(let s of r)this.createProperty(s,e[s])}let t=this[Symbol.metadata];if(t!==null){let e=litPropertyMetadata.get(t);if(e!==void 0)for(let[r,s]of e)this.elementProperties.set(r,s)}this._$Eh=new Map;for(let[e,r]of this.elementProperties){let s=this._$Eu(e,r);s!==void 0&&this._$Eh.set(s,e)}this.elementStyles=this.finalizeStyles(this.styles)}static finalizeStyles(t){let e=[];if(Array.isArray(t)){let r=new Set(t.flat(1/0).reverse());for(let s of r)e.unshift(J(s))}else t!==void 0&&e.push(J(t));return e}static _$Eu(t,e){let r=e.attribute;return r===!1?void 0:typeof r=="string"?r:typeof t=="string"?t.toLowerCase():void 0}constructor(){super(),this._$Ep=void 0,this.isUpdatePending=!1,this.hasUpdated=!1,this._$Em=null,this._$Ev()}_$Ev(){this._$ES=new Promise(t=>this.enableUpdating=t),this._$AL=new Map,this._$E_(),this.requestUpdate(),this.constructor.l?.forEach(t=>t(this))}addController(t){(this._$EO??=new Set).add(t),this.renderRoot!==void 0&&this.isConnected&&t.hostConnected?.()}removeController(t){this._$EO?.delete(t)}_$E_(){let t=new Map,e=this.constructor.elementProperties;for(let r of e.keys())this.hasOwnProperty(r)&&(t.set(r,this[r]),delete this[r]);t.size>0&&(this._$Ep=t)}createRenderRoot(){let t=this.shadowRoot??this.attachShadow(this.constructor.shadowRootOptions);return mt(t,this.constructor.elementStyles),t}connectedCallback(){this.renderRoot??=this.createRenderRoot(),this.enableUpdating(!0),this._$EO?.forEach(t=>t.hostConnected?.())}enableUpdating(t){}disconnectedCallback(){this._$EO?.forEach(t=>t.hostDisconnected?.())}attributeChangedCallback(t,e,r){this._$AK(t,r)}_$ET(t,e){let r=this.constructor.elementProperties.get(t),s=this.constructor._$Eu(t,r);if(s!==void 0&&r.reflect===!0){let n=(r.converter?.toAttribute!==void 0?r.converter:Q).toAttribute(e,r.type);this._$Em=t,n==null?this.removeAttribute(s):this.setAttribute(s,n),this._$Em=null}}_$AK(t,e){let r=this.constructor,s=r._$Eh.get(t);if(s!==void 0&&this._$Em!==s){let n=r.getPropertyOptions(s),a=typeof n.converter=="function"?{fromAttribute:n.converter}:n.converter?.fromAttribute!==void 0?n.converter:Q;this._$Em=s;let l=a.fromAttribute(e,n.type);this[s]=l??this._$Ej?.get(s)??l,this._$Em=null}}requestUpdate(t,e,r,s=!1,n){if(t!==void 0){let a=this.constructor;if(s===!1&&(n=this[t]),r??=a.getPropertyOptions(t),!((r.hasChanged??yt)(n,e)||r.useDefault&&r.reflect&&n===this._$Ej?.get(t)&&!this.hasAttribute(a._$Eu(t,r))))return;this.C(t,e,r)}this.isUpdatePending===!1&&(this._$ES=this._$EP())}C(t,e,{useDefault:r,reflect:s,wrapped:n},a){r&&!(this._$Ej??=new Map).has(t)&&(this._$Ej.set(t,a??e??this[t]),n!==!0||a!==void 0)||(this._$AL.has(t)||(this.hasUpdated||r||(e=void 0),this._$AL.set(t,e)),s===!0&&this._$Em!==t&&(this._$Eq??=new Set).add(t))}async _$EP(){this.isUpdatePending=!0;try{await this._$ES}catch(e){Promise.reject(e)}let t=this.scheduleUpdate();return t!=null&&await t,!this.isUpdatePending}scheduleUpdate(){return this.performUpdate()}performUpdate(){if(!this.isUpdatePending)return;if(!this.hasUpdated){if(this.renderRoot??=this.createRenderRoot(),this._$Ep){for(let[s,n]of this._$Ep)this[s]=n;this._$Ep=void 0}let r=this.constructor.elementProperties;if(r.size>0)for(let[s,n]of r){let{wrapped:a}=n,l=this[s];a!==!0||this._$AL.has(s)||l===void 0||this.C(s,void 0,n,l)}}let t=!1,e=this._$AL;try{t=this.shouldUpdate(e),t?(this.willUpdate(e),this._$EO?.forEach(r=>r.hostUpdate?.()),this.update(e)):this._$EM()}catch(r){throw t=!1,this._$EM(),r}t&&this._$AE(e)}willUpdate(t){}_$AE(t){this._$EO?.forEach(e=>e.hostUpdated?.()),this.hasUpdated||(this.hasUpdated=!0,this.firstUpdated(t)),this.updated(t)}_$EM(){this._$AL=new Map,this.isUpdatePending=!1}get updateComplete(){return this.getUpdateComplete()}getUpdateComplete(){return this._$ES}shouldUpdate(t){return!0}update(t){this._$Eq&&=this._$Eq.forEach(e=>this._$ET(e,this[e])),this._$EM()}updated(t){}firstUpdated(t){}};f.elementStyles=[],f.shadowRootOptions={mode:"open"},f[D("elementProperties")]=new Map,f[D("finalized")]=new Map,Yt?.({ReactiveElement:f}),(j.reactiveElementVersions??=[]).push("2.1.2");var at=globalThis,$t=i=>i,V=at.trustedTypes,bt=V?V.createPolicy("lit-html",{createHTML:i=>i}):void 0,St="$lit$",v=`lit$${Math.random().toFixed(9).slice(2)}$`,At="?"+v,Gt=`<${At}>`,E=document,H=()=>E.createComment(""),U=i=>i===null||typeof i!="object"&&typeof i!="function",ot=Array.isArray,Zt=i=>ot(i)||typeof i?.[Symbol.iterator]=="function",tt=`[ 	
\f\r]`,N=/<(?:(!--|\/[^a-zA-Z])|(\/?[a-zA-Z][^>\s]*)|(\/?$))/g,vt=/-->/g,xt=/>/g,w=RegExp(`>|${tt}(?:([^\\s"'>=/]+)(${tt}*=${tt}*(?:[^ 	
\f\r"'\`<>=]|("|')|))|$)`,"g"),wt=/'/g,kt=/"/g,Ct=/^(?:script|style|textarea|title)$/i,dt=i=>(t,...e)=>({_$litType$:i,strings:t,values:e}),d=dt(1),ce=dt(2),ue=dt(3),S=Symbol.for("lit-noChange"),c=Symbol.for("lit-nothing"),Et=new WeakMap,k=E.createTreeWalker(E,129);function Tt(i,t){if(!ot(i)||!i.hasOwnProperty("raw"))throw Error("invalid template strings array");return bt!==void 0?bt.createHTML(t):t}var Xt=(i,t)=>{let e=i.length-1,r=[],s,n=t===2?"<svg>":t===3?"<math>":"",a=N;for(let l=0;l<e;l++){let o=i[l],h,p,u=-1,_=0;for(;_<o.length&&(a.lastIndex=_,p=a.exec(o),p!==null);)_=a.lastIndex,a===N?p[1]==="!--"?a=vt:p[1]!==void 0?a=xt:p[2]!==void 0?(Ct.test(p[2])&&(s=RegExp("</"+p[2],"g")),a=w):p[3]!==void 0&&(a=w):a===w?p[0]===">"?(a=s??N,u=-1):p[1]===void 0?u=-2:(u=a.lastIndex-p[2].length,h=p[1],a=p[3]===void 0?w:p[3]==='"'?kt:wt):a===kt||a===wt?a=w:a===vt||a===xt?a=N:(a=w,s=void 0);let b=a===w&&i[l+1].startsWith("/>")?" ":"";n+=a===N?o+Gt:u>=0?(r.push(h),o.slice(0,u)+St+o.slice(u)+v+b):o+v+(u===-2?l:b)}return[Tt(i,n+(i[e]||"<?>")+(t===2?"</svg>":t===3?"</math>":"")),r]},O=class i{constructor({strings:t,_$litType$:e},r){let s;this.parts=[];let n=0,a=0,l=t.length-1,o=this.parts,[h,p]=Xt(t,e);if(this.el=i.createElement(h,r),k.currentNode=this.el.content,e===2||e===3){let u=this.el.content.firstChild;u.replaceWith(...u.childNodes)}for(;(s=k.nextNode())!==null&&o.length<l;){if(s.nodeType===1){if(s.hasAttributes())for(let u of s.getAttributeNames())if(u.endsWith(St)){let _=p[a++],b=s.getAttribute(u).split(v),z=/([.?@])?(.*)/.exec(_);o.push({type:1,index:n,name:z[2],strings:b,ctor:z[1]==="."?rt:z[1]==="?"?st:z[1]==="@"?it:T}),s.removeAttribute(u)}else u.startsWith(v)&&(o.push({type:6,index:n}),s.removeAttribute(u));if(Ct.test(s.tagName)){let u=s.textContent.split(v),_=u.length-1;if(_>0){s.textContent=V?V.emptyScript:"";for(let b=0;b<_;b++)s.append(u[b],H()),k.nextNode(),o.push({type:2,index:++n});s.append(u[_],H())}}}else if(s.nodeType===8)if(s.data===At)o.push({type:2,index:n});else{let u=-1;for(;(u=s.data.indexOf(v,u+1))!==-1;)o.push({type:7,index:n}),u+=v.length-1}n++}}static createElement(t,e){let r=E.createElement("template");return r.innerHTML=t,r}};function C(i,t,e=i,r){if(t===S)return t;let s=r!==void 0?e._$Co?.[r]:e._$Cl,n=U(t)?void 0:t._$litDirective$;return s?.constructor!==n&&(s?._$AO?.(!1),n===void 0?s=void 0:(s=new n(i),s._$AT(i,e,r)),r!==void 0?(e._$Co??=[])[r]=s:e._$Cl=s),s!==void 0&&(t=C(i,s._$AS(i,t.values),s,r)),t}var et=class{constructor(t,e){this._$AV=[],this._$AN=void 0,this._$AD=t,this._$AM=e}get parentNode(){return this._$AM.parentNode}get _$AU(){return this._$AM._$AU}u(t){let{el:{content:e},parts:r}=this._$AD,s=(t?.creationScope??E).importNode(e,!0);k.currentNode=s;let n=k.nextNode(),a=0,l=0,o=r[0];for(;o!==void 0;){if(a===o.index){let h;o.type===2?h=new B(n,n.nextSibling,this,t):o.type===1?h=new o.ctor(n,o.name,o.strings,this,t):o.type===6&&(h=new nt(n,this,t)),this._$AV.push(h),o=r[++l]}a!==o?.index&&(n=k.nextNode(),a++)}return k.currentNode=E,s}p(t){let e=0;for(let r of this._$AV)r!==void 0&&(r.strings!==void 0?(r._$AI(t,r,e),e+=r.strings.length-2):r._$AI(t[e])),e++}},B=class i{get _$AU(){return this._$AM?._$AU??this._$Cv}constructor(t,e,r,s){this.type=2,this._$AH=c,this._$AN=void 0,this._$AA=t,this._$AB=e,this._$AM=r,this.options=s,this._$Cv=s?.isConnected??!0}get parentNode(){let t=this._$AA.parentNode,e=this._$AM;return e!==void 0&&t?.nodeType===11&&(t=e.parentNode),t}get startNode(){return this._$AA}get endNode(){return this._$AB}_$AI(t,e=this){t=C(this,t,e),U(t)?t===c||t==null||t===""?(this._$AH!==c&&this._$AR(),this._$AH=c):t!==this._$AH&&t!==S&&this._(t):t._$litType$!==void 0?this.$(t):t.nodeType!==void 0?this.T(t):Zt(t)?this.k(t):this._(t)}O(t){return this._$AA.parentNode.insertBefore(t,this._$AB)}T(t){this._$AH!==t&&(this._$AR(),this._$AH=this.O(t))}_(t){this._$AH!==c&&U(this._$AH)?this._$AA.nextSibling.data=t:this.T(E.createTextNode(t)),this._$AH=t}$(t){let{values:e,_$litType$:r}=t,s=typeof r=="number"?this._$AC(t):(r.el===void 0&&(r.el=O.createElement(Tt(r.h,r.h[0]),this.options)),r);if(this._$AH?._$AD===s)this._$AH.p(e);else{let n=new et(s,this),a=n.u(this.options);n.p(e),this.T(a),this._$AH=n}}_$AC(t){let e=Et.get(t.strings);return e===void 0&&Et.set(t.strings,e=new O(t)),e}k(t){ot(this._$AH)||(this._$AH=[],this._$AR());let e=this._$AH,r,s=0;for(let n of t)s===e.length?e.push(r=new i(this.O(H()),this.O(H()),this,this.options)):r=e[s],r._$AI(n),s++;s<e.length&&(this._$AR(r&&r._$AB.nextSibling,s),e.length=s)}_$AR(t=this._$AA.nextSibling,e){for(this._$AP?.(!1,!0,e);t!==this._$AB;){let r=$t(t).nextSibling;$t(t).remove(),t=r}}setConnected(t){this._$AM===void 0&&(this._$Cv=t,this._$AP?.(t))}},T=class{get tagName(){return this.element.tagName}get _$AU(){return this._$AM._$AU}constructor(t,e,r,s,n){this.type=1,this._$AH=c,this._$AN=void 0,this.element=t,this.name=e,this._$AM=s,this.options=n,r.length>2||r[0]!==""||r[1]!==""?(this._$AH=Array(r.length-1).fill(new String),this.strings=r):this._$AH=c}_$AI(t,e=this,r,s){let n=this.strings,a=!1;if(n===void 0)t=C(this,t,e,0),a=!U(t)||t!==this._$AH&&t!==S,a&&(this._$AH=t);else{let l=t,o,h;for(t=n[0],o=0;o<n.length-1;o++)h=C(this,l[r+o],e,o),h===S&&(h=this._$AH[o]),a||=!U(h)||h!==this._$AH[o],h===c?t=c:t!==c&&(t+=(h??"")+n[o+1]),this._$AH[o]=h}a&&!s&&this.j(t)}j(t){t===c?this.element.removeAttribute(this.name):this.element.setAttribute(this.name,t??"")}},rt=class extends T{constructor(){super(...arguments),this.type=3}j(t){this.element[this.name]=t===c?void 0:t}},st=class extends T{constructor(){super(...arguments),this.type=4}j(t){this.element.toggleAttribute(this.name,!!t&&t!==c)}},it=class extends T{constructor(t,e,r,s,n){super(t,e,r,s,n),this.type=5}_$AI(t,e=this){if((t=C(this,t,e,0)??c)===S)return;let r=this._$AH,s=t===c&&r!==c||t.capture!==r.capture||t.once!==r.once||t.passive!==r.passive,n=t!==c&&(r===c||s);s&&this.element.removeEventListener(this.name,this,r),n&&this.element.addEventListener(this.name,this,t),this._$AH=t}handleEvent(t){typeof this._$AH=="function"?this._$AH.call(this.options?.host??this.element,t):this._$AH.handleEvent(t)}},nt=class{constructor(t,e,r){this.element=t,this.type=6,this._$AN=void 0,this._$AM=e,this.options=r}get _$AU(){return this._$AM._$AU}_$AI(t){C(this,t)}};var Jt=at.litHtmlPolyfillSupport;Jt?.(O,B),(at.litHtmlVersions??=[]).push("3.3.3");var Pt=(i,t,e)=>{let r=e?.renderBefore??t,s=r._$litPart$;if(s===void 0){let n=e?.renderBefore??null;r._$litPart$=s=new B(t.insertBefore(H(),n),n,void 0,e??{})}return s._$AI(i),s};var lt=globalThis,m=class extends f{constructor(){super(...arguments),this.renderOptions={host:this},this._$Do=void 0}createRenderRoot(){let t=super.createRenderRoot();return this.renderOptions.renderBefore??=t.firstChild,t}update(t){let e=this.render();this.hasUpdated||(this.renderOptions.isConnected=this.isConnected),super.update(t),this._$Do=Pt(e,this.renderRoot,this.renderOptions)}connectedCallback(){super.connectedCallback(),this._$Do?.setConnected(!0)}disconnectedCallback(){super.disconnectedCallback(),this._$Do?.setConnected(!1)}render(){return S}};m._$litElement$=!0,m.finalized=!0,lt.litElementHydrateSupport?.({LitElement:m});var Qt=lt.litElementPolyfillSupport;Qt?.({LitElement:m});(lt.litElementVersions??=[]).push("4.2.2");var te="pyiot/schedule/subscribe",ee="pyiot/schedule/edit";function Mt(i,t,e,r){return i.connection.subscribeMessage(e,{type:te,entity_id:t,...r?{date:r}:{}})}function Rt(i,t,e,r){return i.callWS({type:ee,entity_id:t,edit:e,...r?{revision:r}:{}})}var P=["mon","tue","wed","thu","fri","sat","sun"];var g=1440;function $(i){return Math.min(Math.max(i,0),g)/g*100}function K(i,t){return Math.round(i/t)*t}function y(i){let t=(Math.round(i)%g+g)%g;return`${String(Math.floor(t/60)).padStart(2,"0")}:${String(t%60).padStart(2,"0")}`}function Dt(i){let t=/^(\d{2}):(\d{2})(?::(\d{2}))?$/.exec(i);if(!t)return Number.NaN;let[e,r,s]=[Number(t[1]),Number(t[2]),Number(t[3]??0)];return e>23||r>59||s>59?Number.NaN:e*60+r+s/60}function x(i){return i.heat??i.cool}function A(i){if(i.heat!==null&&i.cool!==null)return`${i.heat}–${i.cool} °C`;let t=x(i);return t===null?"–":`${t} °C`}function Nt(i,t){let e=x(i);if(e===null)return"hsl(0, 0%, 70%)";let r=Math.max(t.minimum,12),s=Math.min(t.maximum,24),n=s>r?Math.min(Math.max((e-r)/(s-r),0),1):.5;return`hsl(${Math.round(220-n*220)}, 70%, 55%)`}function Ht(i,t){let e=t.getTime(),r=i.days.findIndex(a=>Date.parse(a.start)<=e&&e<Date.parse(a.end));if(r<0)return{day:-1,minute:0};let s=new Intl.DateTimeFormat("en-GB",{timeZone:i.time_zone,hour:"2-digit",minute:"2-digit",hourCycle:"h23"}).formatToParts(t),n=a=>Number(s.find(l=>l.type===a)?.value??0);return{day:r,minute:n("hour")*60+n("minute")}}function q(i,t,e,r){let s=new Date(i),n=s.getTime()-r.getTime()<20*3600*1e3;return new Intl.DateTimeFormat(e,{timeZone:t,hour:"2-digit",minute:"2-digit",...n?{}:{weekday:"short",day:"numeric",month:"short"}}).format(s)}function re(i){return(Dt(i.end)-Dt(i.start)+g)%g||g}function ct(i,t,e,r,s){let n=re(i),a=i.start_minute,l=i.start_minute+n,o=i.weekday;return t==="move"?(a=Math.min(Math.max(K(i.start_minute+e,s),0),g-s),l=a+n,o=P[(P.indexOf(i.weekday)+r+49)%7]):t==="start"?a=Math.min(Math.max(K(i.start_minute+e,s),0),l-s):l=Math.min(Math.max(K(i.start_minute+n+e,s),a+s),a+g-s),{start:a,end:l,weekday:o}}function Ut(i,t,e,r){let s={rule_id:i.rule_id,weekday:i.weekday,scope:r};if(t==="move")return e.start===i.start_minute&&e.weekday===i.weekday?null:{op:"move_block",...s,start:y(e.start),...e.weekday!==i.weekday?{to_weekday:e.weekday}:{}};let[n,a]=[y(e.start),y(e.end)];return n===i.start&&a===i.end?null:{op:"resize_block",...s,start:n,end:a}}function L(i,t){return i.default.heat===null?{heat:null,cool:t}:{heat:t,cool:null}}function Ot(i,t,e){let r=[],s={rule_id:t.rule_id,weekday:t.weekday,scope:e.scope};return(e.start!==t.start||e.end!==t.end)&&r.push({op:"resize_block",...s,start:e.start,end:e.end}),e.temperature!==x(t.target)&&r.push({op:"set_block_target",...s,target:L(i,e.temperature)}),r}function ut(i,t,e,r){let s=Math.min(K(e,r),g-60),n=x(i.default)??20,a=Math.min(n+2,i.limits.maximum);return{op:"add_block",weekdays:[t.weekday],start:y(s),end:y(s+60),target:L(i,a)}}var F={"card.no_entity":"Choose a PyIoT thermostat zone in the card's settings.","card.unknown_entity":"{entity} is not a PyIoT thermostat zone.","card.loading":"Loading the schedule…","card.next_change":"Next: {target} at {time}","card.no_next_change":"No change scheduled","card.source":"Now: {source}","card.override":"Manual setting {target} until {time}","card.away":"Away from {start} to {end}: {target}","card.clear":"Clear","card.resume":"Resume the schedule","card.set_override":"Set now","card.override_title":"Manual setting","card.until_next_change":"until the next change","card.for_hours":"for {hours} h","card.away_title":"Away","card.set_away":"Set away","card.start":"Start","card.end":"End","card.temperature":"Temperature","card.save":"Save","card.delete":"Delete","card.cancel":"Cancel","card.add_block":"Add a block","card.block_title":"Block {start}–{end}","card.scope_day":"this day only","card.scope_rule":"every day of this block ({days})","card.copy_day":"Copy {day} to","card.copy":"Copy","card.dated":"{name}: {start} – {end}, {target}","card.conflicts":"Rules {first} and {second} overlap with the same priority.","card.error":"The change was refused: {message}","editor.entity":"Thermostat zone","editor.title":"Title","editor.snap_minutes":"Drag step (minutes)","source.schedule":"schedule '{name}'","source.override":"manual setting until {until}","source.preset":"preset '{name}'","source.away":"away until {until}","source.default":"default temperature","source_text.schedule":"rule '{source}'","source_text.override":"your manual setting until {until}","source_text.preset":"preset '{source}'","source_text.away":"the away period until {until}","source_text.default":"the default target","explanation.off":"off","explanation.heating":"heating: {current} °C below {target} °C target from {source_text}","explanation.heating_hold":"heating: {current} °C, holding the {target} °C target from {source_text}","explanation.cooling":"cooling: {current} °C above {target} °C target from {source_text}","explanation.cooling_hold":"cooling: {current} °C, holding the {target} °C target from {source_text}","explanation.idle":"idle: {current} °C, target {target} °C from {source_text}","explanation.no_setpoint":"idle: no {side} setpoint from {source_text}","explanation.waiting_min_off":"waiting: minimum off time, {minutes} min left","explanation.waiting_max_starts":"waiting: maximum starts per hour reached, {minutes} min left","explanation.waiting_interlock":"waiting: {other} equipment still on, {minutes} min left","explanation.resting_max_run":"resting: maximum run time reached, {minutes} min left","explanation.holding_min_on":"holding on: minimum on time, {minutes} min left","explanation.fail_safe_off":"fail-safe: no usable temperature sensor, equipment off","explanation.fail_safe_frost":"fail-safe: no usable temperature sensor, frost protection heating {duty} % of the time","explanation.preheating":"preheating: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)","explanation.precooling":"precooling: {current} °C, reaching {target} °C by {time} from {source_text} (starting {minutes} min early at {rate} °C/h)"},se={en:F};function ie(i,t={}){return i.replace(/\{(\w+)\}/g,(e,r)=>t[r]===void 0||t[r]===null?e:String(t[r]))}function M(i,t,e){let r=se[i.split("-")[0]]??F;return ie(r[t]??F[t]??t,e)}function Bt(i,t){return zt(i,`explanation.${t.explanation.key}`,t.explanation,e=>({...e,source_text:M(i,`source_text.${e.source_type??"default"}`,e)}))}function Lt(i,t,e){let r=t.source.placeholders.until_iso,s=e&&r?{...t.source,placeholders:{...t.source.placeholders,until:e(r)}}:t.source;return zt(i,`source.${s.kind}`,s)}function zt(i,t,e,r=s=>s){return F[t]===void 0?e.text:M(i,t,r(e.placeholders))}function ht(i,t){let e=t??{};if(e.translation_key&&e.translation_domain){let r=i.localize(`component.${e.translation_domain}.exceptions.${e.translation_key}.message`,e.translation_placeholders??{});if(r)return r}return typeof e.message=="string"&&e.message?e.message:t instanceof Error?t.message:String(t)}var Y=class extends m{static{this.properties={hass:{attribute:!1},_config:{state:!0},_state:{state:!0},_error:{state:!0},_panel:{state:!0},_drag:{state:!0},_busy:{state:!0}}}constructor(){super(),this._busy=!1}static getConfigElement(){return document.createElement("pyiot-schedule-card-editor")}static getStubConfig(t){return{entity:Object.values(t.entities??{}).find(r=>r.platform==="pyiot"&&r.entity_id.startsWith("climate."))?.entity_id??""}}setConfig(t){if(!t||typeof t!="object")throw new Error("Invalid configuration");this._config={snap_minutes:15,...t}}getCardSize(){return 9}getGridOptions(){return{columns:12,min_columns:6,rows:9,min_rows:6}}connectedCallback(){super.connectedCallback(),this._clock=window.setInterval(()=>this.requestUpdate(),6e4),this.hass&&this._config&&this._subscribe()}disconnectedCallback(){super.disconnectedCallback(),window.clearInterval(this._clock),this._unsubscribeNow()}updated(t){(t.has("hass")||t.has("_config"))&&this.hass&&this._config&&this._subscribedTo!==this._config.entity&&this._subscribe()}get _language(){return this.hass?.locale?.language??this.hass?.language??"en"}_t(t,e){return M(this._language,t,e)}_subscribe(){this._unsubscribeNow();let t=this._config.entity;this._subscribedTo=t,this._state=void 0,t&&(this.hass.loadBackendTranslation?.("exceptions","pyiot"),this._unsubscribe=Mt(this.hass,t,e=>{this._state=e}),this._unsubscribe.catch(e=>{this._error=ht(this.hass,e),this._subscribedTo=void 0}))}_unsubscribeNow(){let t=this._unsubscribe;this._unsubscribe=void 0,this._subscribedTo=void 0,t?.then(e=>e()).catch(()=>{})}async edit(...t){if(!this._state)return!1;this._busy=!0,this._error=void 0;try{for(let e of t)this._state=await Rt(this.hass,this._config.entity,e,this._state?.schedule.revision);return this._panel=void 0,!0}catch(e){return this._error=this._t("card.error",{message:ht(this.hass,e)}),!1}finally{this._busy=!1}}render(){let t=this._config?.title??this._friendlyName();return d`<ha-card .header=${t}>
      <div class="content">${this._body()}</div>
    </ha-card>`}_friendlyName(){return(this._config?.entity?this.hass?.states[this._config.entity]:void 0)?.attributes.friendly_name??""}_body(){if(!this._config?.entity)return d`<div class="notice">${this._t("card.no_entity")}</div>`;let t=this._error?d`<div class="error" role="alert">${this._error}</div>`:c;return this._state?d`${this._summary()} ${t} ${this._periods()} ${this._week()} ${this._panelView()}
      ${this._actions()}`:d`${t}<div class="notice">${t===c?this._t("card.loading"):""}</div>`}_summary(){let{schedule:t,decision:e}=this._state,r=new Date,s=t.next_change?this._t("card.next_change",{target:A(t.next_change.target),time:q(t.next_change.at,t.time_zone,this._language,r)}):this._t("card.no_next_change");return d`<div class="summary">
      ${e?d`<div class="explanation">${Bt(this._language,e)}</div>
            <div class="source">
              ${this._t("card.source",{source:Lt(this._language,e,n=>q(n,t.time_zone,this._language,r))})}
            </div>`:c}
      <div class="next">${s}</div>
    </div>`}_periods(){let{schedule:t}=this._state,e=new Date,r=s=>q(s,t.time_zone,this._language,e);return d`
      ${t.override?d`<div class="period override">
            ${this._t("card.override",{target:A(t.override.target),time:r(t.override.end)})}
            <button class="clear-override" @click=${()=>this.edit({op:"clear_override"})}>
              ${this._t("card.resume")}
            </button>
          </div>`:c}
      ${t.away?d`<div class="period away">
            ${this._t("card.away",{start:r(t.away.start),end:r(t.away.end),target:A(t.away.target)})}
            <button class="clear-away" @click=${()=>this.edit({op:"clear_away"})}>${this._t("card.clear")}</button>
          </div>`:c}
      ${t.dated.map(s=>d`<div class="period dated">
          ${this._t("card.dated",{name:s.name||s.rule_id,start:r(s.start),end:r(s.end),target:A(s.target)})}
          <button class="delete-range" @click=${()=>this.edit({op:"delete_rule",rule_id:s.rule_id})}>
            ${this._t("card.delete")}
          </button>
        </div>`)}
      ${t.conflicts.map(([s,n])=>d`<div class="period conflict">${this._t("card.conflicts",{first:s,second:n})}</div>`)}
    `}_dayName(t,e="short"){return new Intl.DateTimeFormat(this._language,{weekday:e,timeZone:"UTC"}).format(new Date(`${t.date}T12:00:00Z`))}_week(){let{schedule:t}=this._state,e=Ht(t,new Date);return d`<div class="week">
      <div class="hours">
        <span></span>
        ${[0,6,12,18].map(r=>d`<span style="left:${$(r*60)}%">${y(r*60)}</span>`)}
      </div>
      ${t.days.map((r,s)=>d`<div class="row" data-weekday=${r.weekday}>
          <button class="day" @click=${()=>this._panel={kind:"day",day:r,targets:[]}}>
            ${this._dayName(r)}
          </button>
          <div class="track" @click=${n=>this._onTrackClick(n,r)}>
            ${r.segments.map(n=>d`<div
                class="segment ${n.kind}"
                style="left:${$(n.start_minute)}%;width:${$(n.end_minute)-$(n.start_minute)}%;background:${Nt(n.target,t.limits)}"
                title="${y(n.start_minute)}–${y(n.end_minute)} ${A(n.target)}"
              ></div>`)}
            ${r.blocks.map(n=>this._block(n))}
            ${e.day===s?d`<div class="now" style="left:${$(e.minute)}%"></div>`:c}
          </div>
        </div>`)}
    </div>`}_block(t){let e=this._drag,r=t.start_minute,s=t.end_minute,n=0;if(e&&e.block===t){let a=ct(t,e.mode,e.minutes,e.days,this._config.snap_minutes??15);r=a.start,s=Math.min(a.end,1440),n=e.mode==="move"?e.days:0}return d`<div
      class="block ${e?.block===t?"dragging":""}"
      data-rule=${t.rule_id}
      style="left:${$(r)}%;width:${$(s)-$(r)}%;transform:translateY(${n*100}%)"
      @pointerdown=${a=>this._onPointerDown(a,t,"move")}
      @click=${a=>a.stopPropagation()}
    >
      <span class="handle start" @pointerdown=${a=>this._onPointerDown(a,t,"start")}></span>
      <span class="label">${A(t.target)}</span>
      <span class="handle end" @pointerdown=${a=>this._onPointerDown(a,t,"end")}></span>
    </div>`}_actions(){let{schedule:t}=this._state,e=x(t.active.target)??x(t.default)??20,r=new Date(Date.now()+864e5).toISOString().slice(0,10);return d`<div class="actions">
      <button class="open-override" @click=${()=>this._panel={kind:"override",temperature:e,hours:0}}>
        ${this._t("card.override_title")}
      </button>
      <button
        class="open-away"
        @click=${()=>this._panel={kind:"away",start:`${r}T08:00`,end:`${r}T20:00`,temperature:Math.max(t.limits.minimum,12)}}
      >
        ${this._t("card.away_title")}
      </button>
    </div>`}_panelView(){let t=this._panel;if(!t)return c;let e=d`<button class="cancel" @click=${()=>this._panel=void 0}>${this._t("card.cancel")}</button>`;switch(t.kind){case"block":return this._blockPanel(t,e);case"day":return this._dayPanel(t,e);case"override":return d`<div class="panel override-panel">
          <strong>${this._t("card.override_title")}</strong>
          ${this._number(t.temperature,r=>this._panel={...t,temperature:r})}
          <select
            class="hold"
            @change=${r=>this._panel={...t,hours:Number(r.target.value)}}
          >
            <option value="0" ?selected=${t.hours===0}>${this._t("card.until_next_change")}</option>
            ${[1,2,4,8].map(r=>d`<option value=${r} ?selected=${t.hours===r}>${this._t("card.for_hours",{hours:r})}</option>`)}
          </select>
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${()=>this.edit({op:"set_override",target:L(this._state.schedule,t.temperature),...t.hours?{duration:t.hours*3600}:{}})}
          >
            ${this._t("card.set_override")}
          </button>
          ${e}
        </div>`;case"away":return d`<div class="panel away-panel">
          <strong>${this._t("card.away_title")}</strong>
          <label>${this._t("card.start")}
            <input class="away-start" type="datetime-local" .value=${t.start}
              @change=${r=>this._panel={...t,start:r.target.value}} /></label>
          <label>${this._t("card.end")}
            <input class="away-end" type="datetime-local" .value=${t.end}
              @change=${r=>this._panel={...t,end:r.target.value}} /></label>
          ${this._number(t.temperature,r=>this._panel={...t,temperature:r})}
          <button
            class="save"
            ?disabled=${this._busy}
            @click=${()=>this.edit({op:"set_away",start:t.start,end:t.end,target:L(this._state.schedule,t.temperature)})}
          >
            ${this._t("card.set_away")}
          </button>
          ${e}
        </div>`}}_number(t,e){let{limits:r}=this._state.schedule;return d`<label>${this._t("card.temperature")}
      <input class="temperature" type="number" step="0.5" min=${r.minimum} max=${r.maximum} .value=${String(t)}
        @change=${s=>e(Number(s.target.value))} /></label>`}_blockPanel(t,e){let r=t.block,s=r.weekdays.length>1;return d`<div class="panel block-panel">
      <strong>${this._t("card.block_title",{start:r.start,end:r.end})}</strong>
      <label>${this._t("card.start")}
        <input class="block-start" type="time" .value=${t.start}
          @change=${n=>this._panel={...t,start:n.target.value}} /></label>
      <label>${this._t("card.end")}
        <input class="block-end" type="time" .value=${t.end}
          @change=${n=>this._panel={...t,end:n.target.value}} /></label>
      ${this._number(t.temperature,n=>this._panel={...t,temperature:n})}
      ${s?d`<select class="scope"
            @change=${n=>this._panel={...t,scope:n.target.value}}>
            <option value="day" ?selected=${t.scope==="day"}>${this._t("card.scope_day")}</option>
            <option value="rule" ?selected=${t.scope==="rule"}>
              ${this._t("card.scope_rule",{days:r.weekdays.join(", ")})}
            </option>
          </select>`:c}
      <button class="save" ?disabled=${this._busy}
        @click=${()=>this.edit(...Ot(this._state.schedule,r,t))}>${this._t("card.save")}</button>
      <button class="delete" ?disabled=${this._busy}
        @click=${()=>this.edit({op:"delete_block",rule_id:r.rule_id,weekday:r.weekday,scope:t.scope})}>
        ${this._t("card.delete")}
      </button>
      ${e}
    </div>`}_dayPanel(t,e){let r=(s,n)=>{let a=n?[...t.targets,s]:t.targets.filter(l=>l!==s);this._panel={...t,targets:a}};return d`<div class="panel day-panel">
      <strong>${this._t("card.copy_day",{day:this._dayName(t.day,"long")})}</strong>
      ${this._state.schedule.days.filter(s=>s.weekday!==t.day.weekday).map(s=>d`<label class="copy-target">
          <input type="checkbox" value=${s.weekday} .checked=${t.targets.includes(s.weekday)}
            @change=${n=>r(s.weekday,n.target.checked)} />
          ${this._dayName(s)}
        </label>`)}
      <button class="copy" ?disabled=${this._busy||t.targets.length===0}
        @click=${()=>this.edit({op:"copy_day",from:t.day.weekday,to:[...t.targets].sort((s,n)=>P.indexOf(s)-P.indexOf(n))})}>
        ${this._t("card.copy")}
      </button>
      <button class="add-block" ?disabled=${this._busy}
        @click=${()=>this.edit(ut(this._state.schedule,t.day,720,this._config.snap_minutes??15))}>
        ${this._t("card.add_block")}
      </button>
      ${e}
    </div>`}_onTrackClick(t,e){if(!this._state)return;let s=t.currentTarget.getBoundingClientRect(),n=s.width>0?(t.clientX-s.left)/s.width*1440:720;this.edit(ut(this._state.schedule,e,n,this._config.snap_minutes??15))}_onPointerDown(t,e,r){if(t.stopPropagation(),t.button!==0)return;let s=t.currentTarget.closest(".track"),n=s?.getBoundingClientRect();this._drag={block:e,mode:r,x:t.clientX,y:t.clientY,width:n?.width||1,rowHeight:s?.parentElement?.getBoundingClientRect().height||1,minutes:0,days:0};let a=o=>{this._drag&&(this._drag={...this._drag,minutes:(o.clientX-this._drag.x)/this._drag.width*1440,days:r==="move"?Math.round((o.clientY-this._drag.y)/this._drag.rowHeight):0})},l=()=>{window.removeEventListener("pointermove",a),window.removeEventListener("pointerup",l);let o=this._drag;if(this._drag=void 0,!o)return;let h=ct(e,r,o.minutes,o.days,this._config.snap_minutes??15),p=Ut(e,r,h,"day");p?this.edit(p):this._openBlock(e)};window.addEventListener("pointermove",a),window.addEventListener("pointerup",l)}_openBlock(t){this._panel={kind:"block",block:t,start:t.start,end:t.end,temperature:x(t.target)??20,scope:"day"}}static{this.styles=X`
    .content { padding: 0 16px 16px; }
    .summary { margin-bottom: 8px; }
    .explanation { font-weight: 500; }
    .source, .next { color: var(--secondary-text-color); font-size: 0.9em; }
    .error { color: var(--error-color, #db4437); margin: 8px 0; }
    .notice { color: var(--secondary-text-color); padding: 8px 0; }
    .period { display: flex; align-items: center; justify-content: space-between; gap: 8px;
      padding: 4px 8px; margin: 4px 0; border-radius: 6px; background: var(--secondary-background-color); }
    .period.override { border-left: 4px solid var(--warning-color, #ffa600); }
    .period.away { border-left: 4px solid var(--info-color, #039be5); }
    .period.conflict { color: var(--warning-color, #ffa600); }
    .week { position: relative; user-select: none; touch-action: none; }
    .hours { position: relative; height: 16px; margin-left: 48px; font-size: 0.75em; color: var(--secondary-text-color); }
    .hours span { position: absolute; }
    .row { display: flex; align-items: stretch; height: 34px; margin: 2px 0; }
    .day { width: 44px; margin-right: 4px; border: none; background: none; color: var(--primary-text-color);
      cursor: pointer; text-align: left; padding: 0; font: inherit; }
    .track { position: relative; flex: 1; background: var(--divider-color, #e0e0e0); border-radius: 4px;
      overflow: visible; cursor: copy; }
    .segment { position: absolute; top: 0; bottom: 0; opacity: 0.35; }
    .segment.override, .segment.away, .segment.dated { opacity: 0.8;
      background-image: repeating-linear-gradient(45deg, transparent 0 6px, rgba(255, 255, 255, 0.35) 6px 12px) !important; }
    .block { position: absolute; top: 3px; bottom: 3px; border-radius: 4px; background: var(--primary-color);
      color: var(--text-primary-color, #fff); font-size: 0.75em; display: flex; align-items: center;
      justify-content: center; cursor: grab; overflow: hidden; box-sizing: border-box; min-width: 6px; }
    .block.dragging { opacity: 0.7; cursor: grabbing; z-index: 2; }
    .handle { position: absolute; top: 0; bottom: 0; width: 6px; cursor: ew-resize; }
    .handle.start { left: 0; }
    .handle.end { right: 0; }
    .label { pointer-events: none; white-space: nowrap; }
    .now { position: absolute; top: -2px; bottom: -2px; width: 2px; background: var(--error-color, #db4437); z-index: 3; }
    .panel { display: flex; flex-wrap: wrap; gap: 8px; align-items: center; margin-top: 8px; padding: 8px;
      border: 1px solid var(--divider-color, #e0e0e0); border-radius: 6px; }
    .panel strong { width: 100%; }
    .actions { display: flex; gap: 8px; margin-top: 8px; }
    button { font: inherit; cursor: pointer; padding: 4px 14px; border-radius: 18px;
      border: 1px solid var(--divider-color, #e0e0e0); background: var(--card-background-color, #fff);
      color: var(--primary-color); }
    button:disabled { opacity: 0.5; cursor: default; }
    .panel .save, .panel .copy { background: var(--primary-color); color: var(--text-primary-color, #fff);
      border-color: var(--primary-color); }
    input, select { font: inherit; padding: 2px 4px; border-radius: 4px; color: var(--primary-text-color);
      border: 1px solid var(--divider-color, #e0e0e0); background: var(--card-background-color, #fff); }
    input[type="number"] { width: 5em; }
  `}};var ne=[{name:"entity",required:!0,selector:{entity:{domain:"climate",integration:"pyiot"}}},{name:"title",selector:{text:{}}},{name:"snap_minutes",selector:{number:{min:5,max:60,step:5,mode:"box"}}}],G=class extends m{static{this.properties={hass:{attribute:!1},_config:{state:!0}}}setConfig(t){this._config=t}render(){if(!this.hass||!this._config)return d``;let t=this.hass.locale?.language??this.hass.language??"en";return d`<ha-form
      .hass=${this.hass}
      .data=${this._config}
      .schema=${ne}
      .computeLabel=${e=>M(t,`editor.${e.name}`)}
      @value-changed=${this._changed}
    ></ha-form>`}_changed(t){t.stopPropagation();let e={...t.detail.value};this.dispatchEvent(new CustomEvent("config-changed",{detail:{config:e},bubbles:!0,composed:!0}))}};customElements.get("pyiot-schedule-card")||customElements.define("pyiot-schedule-card",Y);customElements.get("pyiot-schedule-card-editor")||customElements.define("pyiot-schedule-card-editor",G);window.customCards=window.customCards??[];window.customCards.some(i=>i.type==="pyiot-schedule-card")||window.customCards.push({type:"pyiot-schedule-card",name:"PyIoT schedule",description:"A thermostat zone's week: see and edit its schedule, overrides and away periods.",preview:!1});
/*! Bundled license information:

@lit/reactive-element/css-tag.js:
  (**
   * @license
   * Copyright 2019 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

@lit/reactive-element/reactive-element.js:
lit-html/lit-html.js:
lit-element/lit-element.js:
  (**
   * @license
   * Copyright 2017 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)

lit-html/is-server.js:
  (**
   * @license
   * Copyright 2022 Google LLC
   * SPDX-License-Identifier: BSD-3-Clause
   *)
*/
